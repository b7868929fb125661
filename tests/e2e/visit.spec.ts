import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations, signInOnPage } from '../helpers/browser';
import { startLivekitStandIn, type LivekitStandIn } from '../helpers/livekit-stand-in';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { type ApiClient, createVisitAsScheduler, clinicStaff } from '../helpers/visit-setup';

/*
 * The core loop in two real Chromium browsers with fake camera and microphone: a patient on a
 * phone opens the link, consents, sees their camera, waits; a clinician on a laptop sees them
 * arrive, admits them, both reach the call with end-to-end encryption set up, and the clinician
 * ends the visit. Without a LiveKit server (LIVEKIT_URL unset) the server talks to the sanctioned
 * local stand-in, so tokens are issued but no media can flow: the call must say so.
 */

const REAL_LIVEKIT = process.env.LIVEKIT_URL;

/** A playing camera: non-zero size, and time moves on between two looks. */
async function expectPlayingVideo(page: Page, selector: string): Promise<void> {
  const video = page.locator(selector).first();
  await video.waitFor();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 10_000 }).toBeGreaterThan(0);
  const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await page.waitForTimeout(600);
  const t2 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  expect(t2).toBeGreaterThan(t1);
}

/** Keeps a handle on every camera/microphone track a page gets, to prove later that they were stopped. */
async function recordMediaTracks(ctx: BrowserContext): Promise<void> {
  await ctx.addInitScript(() => {
    const w = window as unknown as { __tracks: MediaStreamTrack[] };
    w.__tracks = [];
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (c) => {
      const stream = await original(c);
      w.__tracks.push(...stream.getTracks());
      return stream;
    };
  });
}

async function mediaTrackStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.map((t) => t.readyState));
}

async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

describe.skipIf(!hasChromium)('a video visit in two real browsers', () => {
  let standIn: LivekitStandIn | undefined;
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;
  /** Set by the first test once each side played the other's decrypted camera (real LiveKit only). */
  let mediaFlowed = false;

  beforeAll(async () => {
    if (!REAL_LIVEKIT) standIn = await startLivekitStandIn();
    server = await startServerProcess('e2e-visit', {
      LIVEKIT_URL: REAL_LIVEKIT ?? (standIn as LivekitStandIn).url,
      CLINIC_NAME: 'Harbor Health',
    });
    ({ scheduler, clinicianId, clinicianPassword } = await clinicStaff(server));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standIn?.close();
  });

  it('patient on a phone consents, checks devices, waits, is admitted, and sees the visit end', async () => {
    const { visitId, joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    expect(joinPath).not.toContain('Robin');

    const patientCtx = await newContext(browser, PHONE, server.url);
    const clinicianCtx = await newContext(browser, DESKTOP, server.url);
    const patient = await patientCtx.newPage();
    const clinician = await clinicianCtx.newPage();

    // Patient: consent first, in the patient's language, with a neutral title.
    await patient.goto(joinPath);
    await patient.getByRole('heading', { name: 'Before your video visit' }).waitFor();
    expect(await patient.title()).toBe('Your visit · Alcove');
    expect(await patient.locator('html').getAttribute('lang')).toBe('en');
    await expectAccessible(patient);
    await expectNoHorizontalScroll(patient);
    await screenshot(patient, 'visit-consent-phone');
    await patient.getByRole('button', { name: 'I understand, continue' }).click();

    // Device check: the patient's own camera is playing and the microphone meter is there.
    await patient.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
    await expectPlayingVideo(patient, '[data-testid="camera-preview"]');
    await patient.getByRole('meter', { name: 'Microphone level' }).waitFor();
    await patient.getByLabel('Camera', { exact: true }).waitFor();
    await patient.getByLabel('Microphone', { exact: true }).waitFor();
    await expectAccessible(patient);
    await expectNoHorizontalScroll(patient);
    await screenshot(patient, 'visit-device-check-phone');

    // The clinician opens the visit (a full page load) before the patient reaches the waiting room.
    await signInOnPage(clinician, 'rivera@clinic.test', clinicianPassword);
    await clinician.goto(`/visits/${visitId}`);
    await clinician.getByRole('heading', { name: /Waiting room/ }).waitFor();
    await clinician.getByText('Nobody is waiting.').waitFor();
    expect(await clinician.title()).toBe('Visit · Alcove');

    // The patient enters the waiting room; the clinician's list shows them within a second.
    await patient.getByRole('button', { name: 'Continue', exact: true }).click();
    const enteredAt = Date.now();
    await clinician.getByTestId('waiting-participant').filter({ hasText: 'Robin' }).waitFor({ timeout: 5000 });
    const seenAfterMs = Date.now() - enteredAt;
    expect(seenAfterMs).toBeLessThan(1000);
    await clinician.getByText(/Waiting since/).waitFor();

    await patient.getByTestId('waiting-room').waitFor();
    await patient.getByRole('heading', { name: 'Your clinician will let you in' }).waitFor();
    await patient.getByText('Dr. Ana Rivera').waitFor();
    await patient.getByText('Your clinician is online.').waitFor();
    expect(await patient.title()).toBe('Waiting room · Alcove');

    // A one-way message from the clinician, shown to the patient in their language.
    await clinician.getByLabel('Message', { exact: true }).selectOption('running_late_10');
    await clinician.getByRole('button', { name: 'Show message' }).click();
    await patient.getByText('Your clinician is running about 10 minutes late.').waitFor();
    await expectAccessible(patient);
    await expectNoHorizontalScroll(patient);
    await screenshot(patient, 'visit-waiting-room-phone');
    await expectAccessible(clinician);
    await screenshot(clinician, 'visit-console-waiting-desktop');

    // A reload in the waiting room comes back to the waiting room, with no second consent.
    await patient.reload();
    await patient.getByTestId('waiting-room').waitFor();
    await patient.getByText('Your clinician is running about 10 minutes late.').waitFor();
    expect(await patient.getByRole('heading', { name: 'Before your video visit' }).count()).toBe(0);

    // Admit: the patient's page moves into the call by itself.
    await clinician.getByRole('button', { name: 'Admit Robin' }).click();
    await patient.getByTestId('video-call').waitFor();
    await clinician.getByTestId('participant').filter({ hasText: 'Robin' }).getByText('In the visit').waitFor();
    expect(await patient.title()).toBe('Video visit · Alcove');

    // The clinician joins the video too.
    await clinician.getByRole('button', { name: 'Join video' }).click();
    await clinician.getByTestId('video-call').waitFor();

    // Both have end-to-end encryption set up with the visit key before connecting.
    await expect.poll(() => patient.getByTestId('video-call').getAttribute('data-e2ee'), { timeout: 10_000 }).toBe('on');
    await expect.poll(() => clinician.getByTestId('video-call').getAttribute('data-e2ee'), { timeout: 10_000 }).toBe('on');
    await patient.getByTestId('e2ee-badge').filter({ hasText: 'End-to-end encrypted' }).waitFor();

    if (REAL_LIVEKIT) {
      // Each side receives the other's camera through the SFU, decrypted.
      for (const page of [patient, clinician]) {
        await expect.poll(() => page.getByTestId('video-call').getAttribute('data-call-status'), { timeout: 20_000 }).toBe('connected');
        await expectPlayingVideo(page, '.lk-participant-tile:not([data-lk-local-participant="true"]) video');
      }
      mediaFlowed = true;
    } else {
      // No media server: the call says so (calm words for the patient, what to check for the
      // clinician) and keeps retrying, while the rest of the page works.
      await patient
        .getByTestId('video-unavailable')
        .getByText(/Your care team knows/)
        .waitFor({ timeout: 20_000 });
      await clinician
        .getByTestId('video-unavailable')
        .getByText(/The video server cannot be reached/)
        .waitFor({ timeout: 20_000 });
    }
    // Patients never get a screen-share control.
    expect(await patient.getByRole('button', { name: /Share screen/ }).count()).toBe(0);
    await expectAccessible(patient);
    await expectNoHorizontalScroll(patient);
    await screenshot(patient, 'visit-call-phone');
    await expectAccessible(clinician);
    await screenshot(clinician, 'visit-call-desktop');
    // The same call the other way round: the clinician on a phone, the patient on a laptop.
    await clinician.setViewportSize(PHONE);
    await expectNoHorizontalScroll(clinician);
    await screenshot(clinician, 'visit-call-clinician-phone');
    await clinician.setViewportSize(DESKTOP);
    await patient.setViewportSize(DESKTOP);
    await screenshot(patient, 'visit-call-patient-desktop');
    await patient.setViewportSize(PHONE);

    // A reload during the call returns to the call.
    await patient.reload();
    await patient.getByTestId('video-call').waitFor();
    await expect.poll(() => patient.getByTestId('video-call').getAttribute('data-e2ee'), { timeout: 10_000 }).toBe('on');

    // The clinician ends the visit for everyone; the patient is told, and the call is gone.
    await clinician.getByRole('button', { name: 'End visit for everyone' }).click();
    await clinician.getByRole('dialog', { name: 'End this visit for everyone?' }).waitFor();
    await expectAccessible(clinician);
    await clinician.getByRole('button', { name: 'End visit', exact: true }).click();
    await patient.getByRole('heading', { name: 'This visit has ended' }).waitFor({ timeout: 5000 });
    expect(await patient.getByTestId('video-call').count()).toBe(0);
    await clinician.getByTestId('console-ended').waitFor();
    await expect.poll(() => clinician.getByTestId('visit-status').textContent()).toBe('Ended');
    await expectAccessible(patient);
    await screenshot(patient, 'visit-ended-phone');
    await screenshot(clinician, 'visit-console-ended-desktop');

    if (standIn) {
      // Ending closed the LiveKit room through the RoomService (here, the stand-in).
      expect(standIn.calls.some((c) => c.method === 'DeleteRoom')).toBe(true);
    }
    await patientCtx.close();
    await clinicianCtx.close();
  });

  // The media half has a test of its own so that, without a LiveKit server, the run counts it as
  // skipped instead of passed. The call itself is checked inside the test above, which sets the flag.
  it.skipIf(!REAL_LIVEKIT)('with a real LiveKit, each side received the other’s camera through the SFU, decrypted', () => {
    expect(mediaFlowed).toBe(true);
  });

  it("a link opened hours early says kindly when it opens, in the viewer's time zone", async () => {
    const { joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], startsInMinutes: 180 });
    const ctx = await newContext(browser, PHONE, server.url);
    const page = await ctx.newPage();
    await page.goto(joinPath);
    await page.getByRole('heading', { name: 'It is a little early' }).waitFor();
    // Opens 30 minutes before the start, written for America/New_York (the context's zone).
    const opensAt = new Date(Date.now() + 150 * 60_000);
    const hour = new Intl.DateTimeFormat('en-US', { hour: 'numeric', timeZone: 'America/New_York' })
      .format(opensAt)
      .replace(/\s?[AP]M/, '');
    await page.getByText(new RegExp(`Your visit link opens on .*\\b${hour}:\\d{2}\\s?[AP]M E[SD]T`)).waitFor();
    await expectAccessible(page);
    await screenshot(page, 'visit-too-early-phone');
    await ctx.close();
  });

  it('a Spanish-speaking patient passes the date-of-birth check, switches language, leaves and comes back', async () => {
    const { joinPath } = await createVisitAsScheduler(scheduler, {
      clinicianIds: [clinicianId],
      preferredName: 'Dani',
      preferredLanguage: 'es',
      dateOfBirth: '1988-04-09',
    });
    const ctx = await newContext(browser, DESKTOP, server.url);
    await recordMediaTracks(ctx);
    const page = await ctx.newPage();
    await page.goto(joinPath);

    // Before the date of birth, only the clinic's name: no clinician, no time, no patient name.
    await page.getByText('Harbor Health').waitFor();
    const gateText = await page.locator('main').innerText();
    expect(gateText).not.toContain('Rivera');
    expect(gateText).not.toContain('Dani');
    await expectAccessible(page);
    await screenshot(page, 'visit-dob-desktop');

    await page.getByLabel('Month').fill('4');
    await page.getByLabel('Day').fill('10');
    await page.getByLabel('Year').fill('1988');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'does not match' }).waitFor();

    await page.getByLabel('Day').fill('9');
    await page.getByRole('button', { name: 'Continue' }).click();

    // The patient's preferred language takes over once we know who they are.
    await page.getByRole('heading', { name: 'Antes de su consulta por video' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    expect(await page.title()).toBe('Su consulta · Alcove');
    await expectAccessible(page);
    await screenshot(page, 'visit-consent-es-desktop');

    // The visible switch changes the language and <html lang> at once, and back.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Before your video visit' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.getByRole('heading', { name: 'Antes de su consulta por video' }).waitFor();

    await page.getByRole('button', { name: 'Entiendo, continuar' }).click();
    await page.getByRole('heading', { name: 'Revise su cámara y su micrófono' }).waitFor();
    await expectPlayingVideo(page, '[data-testid="camera-preview"]');
    await screenshot(page, 'visit-device-check-es-desktop');

    // Audio only: the camera is released before the waiting room.
    await page.getByLabel('Solo audio (usa menos datos)').check();
    await page.getByTestId('camera-off').waitFor();
    expect(await page.locator('[data-testid="camera-preview"]').count()).toBe(0);
    await page.getByRole('button', { name: 'Continuar', exact: true }).click();

    await page.getByRole('heading', { name: 'Su profesional de salud le dejará entrar' }).waitFor();
    // The time is written the Spanish way, in the browser's time zone (America/New_York here).
    await page
      .getByText(/(a\.|p\.)\s?m\.|\d{1,2}:\d{2}/)
      .first()
      .waitFor();
    await expectAccessible(page);
    await screenshot(page, 'visit-waiting-es-desktop');

    await page.getByRole('button', { name: 'Salir de la sala de espera' }).click();
    await page.getByRole('heading', { name: 'Salió de la sala de espera' }).waitFor();
    await expectAccessible(page);
    // Leaving switches the microphone (and any camera) off for real.
    const states = await mediaTrackStates(page);
    expect(states.length).toBeGreaterThan(0);
    await expect.poll(() => mediaTrackStates(page).then((s) => s.filter((x) => x === 'live'))).toEqual([]);

    // After leaving on purpose, a reload still says so; "go back" puts the patient in the queue again.
    await page.reload();
    await page.getByRole('heading', { name: 'Salió de la sala de espera' }).waitFor();
    await page.getByRole('button', { name: 'Volver a la sala de espera' }).click();
    await page.getByTestId('waiting-room').waitFor();
    await ctx.close();
  });
  it('a clinician removes an admitted patient, who is told the visit ended and stays out after a reload', async () => {
    const { visitId, joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Sky' });
    const patientCtx = await newContext(browser, PHONE, server.url);
    const clinicianCtx = await newContext(browser, DESKTOP, server.url);
    const patient = await patientCtx.newPage();
    const clinician = await clinicianCtx.newPage();

    await patient.goto(joinPath);
    await patient.getByRole('button', { name: 'I understand, continue' }).click();
    await patient.getByRole('radio', { name: 'With my camera off for now' }).check();
    await patient.getByRole('button', { name: 'Continue', exact: true }).click();
    await patient.getByTestId('waiting-room').waitFor();

    await signInOnPage(clinician, 'rivera@clinic.test', clinicianPassword);
    await clinician.goto(`/visits/${visitId}`);
    await clinician.getByRole('button', { name: 'Admit Sky' }).click();
    await patient.getByTestId('video-call').waitFor();

    // Removal asks first, then takes effect for the patient at once.
    await clinician.getByRole('button', { name: 'Remove Sky' }).click();
    const dialog = clinician.getByRole('dialog', { name: 'Remove Sky from this visit?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(await clinician.getByRole('dialog').count()).toBe(0);
    await clinician.getByRole('button', { name: 'Remove Sky' }).click();
    await clinician.getByRole('dialog').getByRole('button', { name: 'Remove', exact: true }).click();

    await patient.getByRole('heading', { name: 'This visit has ended' }).waitFor({ timeout: 5000 });
    expect(await patient.getByTestId('video-call').count()).toBe(0);
    await clinician.getByTestId('participant').filter({ hasText: 'Sky' }).getByText('Removed').waitFor();

    // The link does not lead back in: the patient is never admitted again by that session.
    await patient.reload();
    await patient.getByRole('heading', { name: 'This visit has ended' }).waitFor();
    expect(await patient.getByTestId('video-call').count()).toBe(0);
    await patientCtx.close();
    await clinicianCtx.close();
  });
});
