import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations, signInOnPage } from '../helpers/browser';
import { startLivekitStandIn, type LivekitStandIn } from '../helpers/livekit-stand-in';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { addStaffWithCli, ApiClient, createVisitAsScheduler, staffId, type CreatedVisit } from '../helpers/visit-setup';

/*
 * The patient's screens on a small phone (375 × 667), one patient walking through them in order:
 * date of birth with one thumb, consent that fits, device check, waiting room with a message that
 * belongs to one wait, denied → sent back → admitted without a reload, the call without a video
 * server (calm words, no running timer, self-view kept across a reload), a check-in hidden across a
 * reload, and a "Leave" that asks once. The clinician acts over the API, except where the
 * clinician's own words are checked. Every screen: axe, 44 px targets, focus on its heading, and a
 * screenshot at 375 and 1280 px.
 */

const SMALL_PHONE = { width: 375, height: 667 };
const DOB = '1990-03-14';

/** Visible controls smaller than 44 × 44 CSS px (a radio or checkbox counts through its label). */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector = 'button, a[href], select, summary, input:not([type=radio]):not([type=checkbox]):not([type=hidden]), label.choice';
    return [...document.querySelectorAll<HTMLElement>(selector)]
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ el, r }) => r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden' && (r.width < 44 || r.height < 44))
      .map(
        ({ el, r }) =>
          `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)}" ${Math.round(r.width)}×${Math.round(r.height)}`,
      );
  });
}

/** Entirely inside the viewport without scrolling. */
async function expectInFirstScreen(page: Page, target: Locator): Promise<void> {
  const box = await target.boundingBox();
  const viewport = page.viewportSize();
  expect(box, 'the control is on screen').not.toBeNull();
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(viewport!.height);
}

async function expectFocusOnHeading(page: Page, name: string): Promise<void> {
  // What has focus is named in the failure (tag and text), not only that it was not the heading.
  await expect
    .poll(
      () =>
        page.evaluate(() => {
          const el = document.activeElement;
          return el ? `${el.tagName} ${(el.textContent ?? '').trim().slice(0, 60)}` : 'nothing';
        }),
      { timeout: 10_000 },
    )
    .toMatch(new RegExp(`^H[1-3] ${name}$`));
}

/** axe, touch targets and no sideways scroll here; then screenshots at phone and desktop width. */
async function checkScreen(page: Page, name: string): Promise<void> {
  expect(await seriousA11yViolations(page), `${name}: axe`).toEqual([]);
  expect(await smallTargets(page), `${name}: targets under 44 px`).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
  await screenshot(page, `patient-${name}-375`);
  const phone = page.viewportSize()!;
  await page.setViewportSize(DESKTOP);
  await screenshot(page, `patient-${name}-1280`);
  await page.setViewportSize(phone);
}

describe.skipIf(!hasChromium)('patient screens on a small phone', () => {
  let standIn: LivekitStandIn;
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinician: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;
  let ctx: BrowserContext;
  let page: Page;
  let visit: CreatedVisit;
  let participantId: string;

  const act = async (action: 'admit' | 'deny' | 'return-to-waiting') =>
    expect((await clinician.request('POST', `/api/visits/${visit.visitId}/${action}`, { participantId })).status).toBe(200);

  beforeAll(async () => {
    // A LiveKit that answers its API but carries no media: tokens are issued, no call ever connects.
    standIn = await startLivekitStandIn();
    server = await startServerProcess('e2e-patient-screens', { LIVEKIT_URL: standIn.url, CLINIC_NAME: 'Harbor Health' });
    const schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
    clinicianPassword = await addStaffWithCli(server, { email: 'rivera@clinic.test', name: 'Dr. Ana Rivera', role: 'clinician' });
    scheduler = new ApiClient(server.url);
    await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
    clinician = new ApiClient(server.url);
    await clinician.signIn('rivera@clinic.test', clinicianPassword);
    clinicianId = await staffId(clinician);
    browser = await launchBrowser();
    ctx = await newContext(browser, SMALL_PHONE, server.url);
    page = await ctx.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standIn?.close();
  });

  it('date of birth: numeric keypad, moves on by itself, Continue on the first screen, tries left after a wrong date', async () => {
    visit = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], dateOfBirth: DOB, preferredName: 'Robin' });
    await page.goto(visit.joinPath);
    await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
    for (const part of ['Month', 'Day', 'Year'])
      expect(await page.getByLabel(part, { exact: true }).getAttribute('inputmode')).toBe('numeric');
    const submit = page.getByRole('button', { name: 'Continue' });
    await expectInFirstScreen(page, submit);
    await checkScreen(page, 'dob');

    // One thumb: typing the month moves to the day, the day to the year.
    await page.getByLabel('Month', { exact: true }).tap();
    await page.keyboard.type('0314');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('dob-year');
    await page.keyboard.type('1991');
    await submit.tap();
    await page
      .getByRole('alert')
      .getByText(/\d+ tries left/)
      .waitFor();
    await expectInFirstScreen(page, submit);
    await checkScreen(page, 'dob-wrong');

    await page.getByLabel('Year', { exact: true }).fill('1990');
    await submit.tap();
    await page.getByRole('heading', { name: 'Before your video visit' }).waitFor();
    await expectFocusOnHeading(page, 'Before your video visit');
  });

  it('consent: short points, the rest behind "more", Continue on the first screen, emergency numbers are links', async () => {
    const accept = page.getByRole('button', { name: 'I understand, continue' });
    await expectInFirstScreen(page, accept);
    const hrefs = await page.locator('a[href^="tel:"], a[href^="sms:"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(expect.arrayContaining(['tel:911', 'tel:988', 'sms:988']));
    await page.getByText(/More about/).tap();
    await page.getByText(/end-to-end encrypted/).waitFor();
    await checkScreen(page, 'consent');
    await accept.tap();
    await expectFocusOnHeading(page, 'Check your camera and microphone');
  });

  it('device check the first time: preview, choices, and one Continue; focus follows to the waiting room', async () => {
    await page.getByTestId('camera-preview').waitFor();
    await page.getByRole('meter', { name: 'Microphone level' }).waitFor();
    await checkScreen(page, 'devices');
    // Continue is in reach without scrolling, also on the smallest phones still in use (320 × 568),
    // and scrolled to the end it covers none of the controls.
    const next = page.getByRole('button', { name: 'Continue', exact: true });
    for (const size of [SMALL_PHONE, { width: 320, height: 568 }]) {
      await page.setViewportSize(size);
      await page.evaluate(() => window.scrollTo(0, 0));
      await expectInFirstScreen(page, next);
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      const sound = await page.getByRole('button', { name: 'Play a test sound' }).boundingBox();
      const box = await next.boundingBox();
      expect(box!.y, `at ${size.width} px`).toBeGreaterThanOrEqual(sound!.y + sound!.height);
    }
    await page.setViewportSize(SMALL_PHONE);
    await next.tap();
    await page.getByTestId('waiting-room').waitFor();
    await expectFocusOnHeading(page, 'Your clinician will let you in');
    const detail = await clinician.request<{ visit: { participants: { id: string; kind: string }[] } }>(
      'GET',
      `/api/visits/${visit.visitId}`,
    );
    participantId = detail.body.visit.participants.find((p) => p.kind === 'patient')!.id;
  });

  it('a waiting message belongs to one wait: gone after leaving and coming back, until the clinician sets it again', async () => {
    await clinician.request('PUT', `/api/visits/${visit.visitId}/waiting-message`, { preset: 'running_late_10' });
    await page.getByTestId('waiting-message').getByText('Your clinician is running about 10 minutes late.').waitFor();
    await checkScreen(page, 'waiting');
    await page.getByRole('button', { name: 'Leave the waiting room' }).tap();
    await page.getByTestId('left').waitFor();
    await expectFocusOnHeading(page, 'You left the waiting room');
    await checkScreen(page, 'left');
    await page.getByRole('button', { name: 'Go back to the waiting room' }).tap();
    await page.getByTestId('waiting-room').waitFor();
    expect(await page.getByTestId('waiting-message').count()).toBe(0);
    await clinician.request('PUT', `/api/visits/${visit.visitId}/waiting-message`, { preset: 'starting_soon' });
    await page.getByTestId('waiting-message').getByText('Your visit will start soon.').waitFor();
  });

  it('denied, then sent back, then admitted: the page follows each change without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
    await act('deny');
    await page.getByTestId('denied').waitFor();
    await expectFocusOnHeading(page, 'You cannot join this visit right now');
    await checkScreen(page, 'denied');
    await act('return-to-waiting');
    await page.getByTestId('waiting-room').waitFor();
    await act('admit');
    await page.getByTestId('video-call').waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
  });

  it('no video server: the patient is told the care team knows and check-ins still work (English and Spanish); no timer runs', async () => {
    const banner = page.getByTestId('video-unavailable');
    await banner.getByText(/Your care team knows/).waitFor({ timeout: 20_000 });
    await banner.getByText(/check-ins still work/).waitFor();
    expect(await banner.getByText(/LIVEKIT|server/i).count()).toBe(0);
    // The timer does not count while nobody is connected.
    expect(await page.getByRole('timer').count()).toBe(0);
    await page.getByTestId('camera-preview').waitFor();
    await checkScreen(page, 'call-no-video');
    await page.getByRole('button', { name: 'Español' }).tap();
    await banner.getByText(/Su equipo de atención ya lo sabe/).waitFor();
    await banner.getByText(/cuestionarios siguen funcionando/).waitFor();
    await checkScreen(page, 'call-no-video-es');
    await page.getByRole('button', { name: 'English' }).tap();
    await banner.getByText(/Your care team knows/).waitFor();
  });

  it('the clinician is told what to check when the video server cannot be reached', async () => {
    const doctorCtx = await newContext(browser, DESKTOP, server.url);
    const doctor = await doctorCtx.newPage();
    await signInOnPage(doctor, 'rivera@clinic.test', clinicianPassword);
    await doctor.goto(`/visits/${visit.visitId}`);
    await doctor.getByRole('button', { name: 'Join video' }).click();
    const banner = doctor.getByTestId('video-unavailable');
    await banner.getByText(/LiveKit/).waitFor({ timeout: 20_000 });
    await banner.getByText(/readyz/).waitFor();
    expect(await doctor.getByRole('timer').count()).toBe(0);
    expect(await seriousA11yViolations(doctor)).toEqual([]);
    await screenshot(doctor, 'clinician-call-no-video-1280');
    await doctorCtx.close();
  });

  it('self-view comes back after a reload in the call', async () => {
    await page.reload();
    await page.getByTestId('video-call').waitFor();
    await page.getByTestId('camera-preview').waitFor();
    await expect
      .poll(() => page.getByTestId('camera-preview').evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 })
      .toBeGreaterThan(0);
  });

  it('a hidden check-in stays hidden after a reload', async () => {
    const sent = await clinician.request('POST', `/api/visits/${visit.visitId}/checkins`, { instrumentId: 'phq-9' });
    expect(sent.status).toBe(201);
    await page.getByTestId('checkin-panel').waitFor();
    await page.getByRole('button', { name: 'Hide' }).tap();
    await page.getByTestId('checkin-cover').waitFor();
    await checkScreen(page, 'checkin-hidden');
    await page.reload();
    await page.getByTestId('video-call').waitFor();
    await page.getByTestId('checkin-cover').waitFor();
    expect(await page.getByTestId('checkin-panel').count()).toBe(0);
    await page.getByTestId('checkin-cover').getByRole('button').tap();
    await page.getByTestId('checkin-panel').waitFor();
    await page.getByRole('button', { name: 'Hide' }).tap();
  });

  it('"Leave" asks once before ending the call', async () => {
    await page.getByRole('button', { name: 'Leave visit' }).tap();
    const dialog = page.getByRole('dialog', { name: 'Leave the visit?' });
    await dialog.waitFor();
    await checkScreen(page, 'leave-confirm');
    await dialog.getByRole('button', { name: 'Stay' }).tap();
    expect(await page.getByTestId('video-call').count()).toBe(1);
    await page.getByRole('button', { name: 'Leave visit' }).tap();
    await page.getByRole('dialog', { name: 'Leave the visit?' }).getByRole('button', { name: 'Leave' }).tap();
    await page.getByTestId('left').waitFor();
    await expectFocusOnHeading(page, 'You left the visit');
  });

  it('the same device the next time: the device check is one tap ("Looks good")', async () => {
    const next = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    await page.goto(next.joinPath);
    await page.getByRole('button', { name: 'I understand, continue' }).tap();
    const looksGood = page.getByRole('button', { name: 'Looks good' });
    await looksGood.waitFor();
    await page.getByTestId('camera-preview').waitFor();
    await expectInFirstScreen(page, looksGood);
    await checkScreen(page, 'devices-again');
    await looksGood.tap();
    await page.getByTestId('waiting-room').waitFor();
    // The visit ends: the last screen.
    await clinician.request('POST', `/api/visits/${next.visitId}/end`);
    await page.getByTestId('visit-ended').waitFor();
    await expectFocusOnHeading(page, 'This visit has ended');
    await checkScreen(page, 'ended');
  });

  it('"camera off" chosen while the browser is still asking: the choice holds, the controls stay put, and the camera light goes off', async () => {
    const slowCtx = await newContext(browser, SMALL_PHONE, server.url);
    await slowCtx.addInitScript(() => {
      // A slow permission prompt: the devices arrive 1.5 s after the page asks. Every stream the
      // page is given is kept, so the test can see whether a camera track is still running.
      const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      const given: MediaStream[] = [];
      (window as unknown as { givenStreams: MediaStream[] }).givenStreams = given;
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const stream = await real(constraints);
        given.push(stream);
        return stream;
      };
    });
    const slow = await slowCtx.newPage();
    const next = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    await slow.goto(next.joinPath);
    await slow.getByRole('button', { name: 'I understand, continue' }).tap();
    await slow.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
    const cameraOff = slow.getByRole('radio', { name: 'With my camera off for now' });
    const audioOnly = slow.getByRole('radio', { name: /Audio only/ });
    // A tap shows its choice at once, before the page does anything else (on a busy phone its next
    // task can be a long way off): the radio is checked straight after the tap's own microtasks.
    const tapChecks = (index: number) =>
      slow.evaluate(async (i) => {
        const radio = [...document.querySelectorAll<HTMLInputElement>('input[name="join-mode"]')][i]!;
        radio.click();
        for (let n = 0; n < 5; n++) await Promise.resolve();
        return radio.checked;
      }, index);
    expect(await tapChecks(1), '"camera off" is shown as chosen straight after the tap').toBe(true);
    const before = await cameraOff.boundingBox();
    // The browser answers: the microphone meter appears.
    await slow.getByRole('meter', { name: 'Microphone level' }).waitFor();
    await slow.waitForTimeout(300);
    expect(await cameraOff.isChecked(), 'the choice holds').toBe(true);
    // Audio only, then back to camera off: each choice holds (camera off leaves audio-only).
    expect(await tapChecks(2), '"audio only" is shown as chosen straight after the tap').toBe(true);
    await expect.poll(() => audioOnly.isChecked()).toBe(true);
    expect(await tapChecks(1)).toBe(true);
    await slow.waitForTimeout(300);
    expect(await cameraOff.isChecked(), 'camera off holds after audio only').toBe(true);
    const after = await cameraOff.boundingBox();
    expect(Math.round(after!.y), 'the radio did not move under the thumb').toBe(Math.round(before!.y));
    const liveCameraTracks = await slow.evaluate(() =>
      (window as unknown as { givenStreams: MediaStream[] }).givenStreams.flatMap((s) => s.getVideoTracks()).filter((t) => t.readyState === 'live').length,
    );
    expect(liveCameraTracks, 'no camera track left running').toBe(0);
    await slowCtx.close();
  });

  it('camera refused on a device that passed before: no "Looks good", the help for this browser instead, once', async () => {
    const refusedCtx = await newContext(browser, SMALL_PHONE, server.url);
    await refusedCtx.addInitScript(() => {
      localStorage.setItem('alcove.devices-checked', '1');
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    const refused = await refusedCtx.newPage();
    const next = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    await refused.goto(next.joinPath);
    await refused.getByRole('button', { name: 'I understand, continue' }).tap();
    await refused.getByText('Your browser is not allowing the camera and microphone.').waitFor();
    expect(await refused.getByText('Your browser is not allowing the microphone.').count()).toBe(0);
    await refused
      .getByText(/Allow the camera and microphone for this site/)
      .first()
      .waitFor();
    expect(await refused.getByRole('button', { name: 'Looks good' }).count()).toBe(0);
    await checkScreen(refused, 'devices-refused');
    await refusedCtx.close();
  });
});
