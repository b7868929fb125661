import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations, signInOnPage } from '../helpers/browser';
import { startLivekitStandIn, type LivekitStandIn } from '../helpers/livekit-stand-in';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { type ApiClient, createVisitAsScheduler, clinicStaff } from '../helpers/visit-setup';

/*
 * One person, one device: the patient is admitted on a phone; the same link opened in a second
 * browser waits as "another device"; when the clinician admits it, the phone is told the visit
 * moved and holds no video (its call is gone and its camera and microphone are stopped).
 */

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

/** Consent, device check, Continue: the page is in the waiting room (or already in the call). */
async function knock(page: Page, joinPath: string): Promise<void> {
  await page.goto(joinPath);
  await page.getByRole('button', { name: 'I understand, continue' }).click();
  await page.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
  await page.getByRole('button', { name: 'Continue', exact: true }).click();
}

describe.skipIf(!hasChromium)('the same link on a second device', () => {
  let standIn: LivekitStandIn;
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;

  beforeAll(async () => {
    standIn = await startLivekitStandIn();
    server = await startServerProcess('e2e-second-device', { LIVEKIT_URL: standIn.url });
    ({ scheduler, clinicianId, clinicianPassword } = await clinicStaff(server));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await standIn?.close();
  });

  it('waits as another device; admitting it tells the phone the visit moved, and the phone holds no video', async () => {
    const { visitId, joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Jordan' });
    const phoneCtx = await newContext(browser, PHONE, server.url);
    await recordMediaTracks(phoneCtx);
    const laptopCtx = await newContext(browser, DESKTOP, server.url);
    const clinicianCtx = await newContext(browser, DESKTOP, server.url);
    const phone = await phoneCtx.newPage();
    const laptop = await laptopCtx.newPage();
    const clinician = await clinicianCtx.newPage();

    await signInOnPage(clinician, 'rivera@clinic.test', clinicianPassword);
    await clinician.goto(`/visits/${visitId}`);
    await clinician.getByRole('heading', { name: /Waiting room/ }).waitFor();

    // The phone is admitted and in the call.
    await knock(phone, joinPath);
    await clinician.getByRole('button', { name: 'Admit Jordan', exact: true }).click();
    await phone.getByTestId('video-call').waitFor();

    // The same link in another browser: a new arrival, never straight into the call.
    await knock(laptop, joinPath);
    await laptop.getByTestId('waiting-room').waitFor();
    const arrival = clinician.getByTestId('waiting-participant').filter({ hasText: 'Jordan — another device' });
    await arrival.waitFor();
    await arrival.getByText(/Admitting it ends their earlier device/).waitFor();
    expect(await phone.getByTestId('video-call').count()).toBe(1);
    expect(await seriousA11yViolations(clinician)).toEqual([]);
    await screenshot(clinician, 'second-device-console-desktop');

    // The clinician admits the laptop: it reaches the call, the phone is told and drops out.
    await clinician.getByRole('button', { name: 'Admit Jordan — another device' }).click();
    await laptop.getByTestId('video-call').waitFor();
    await phone.getByRole('heading', { name: 'This visit moved to another device' }).waitFor();
    expect(await phone.getByTestId('video-call').count()).toBe(0);
    await expect
      .poll(() => phone.evaluate(() => (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks.map((t) => t.readyState)))
      .not.toContain('live');
    expect(await phone.title()).toBe('Visit ended · Alcove');
    expect(await seriousA11yViolations(phone)).toEqual([]);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(phone, 'second-device-moved-phone');

    // The phone cannot knock its way back in with its old session: it is signed out of the visit.
    const token = await phone.evaluate(async (id) => (await fetch(`/api/visits/${id}/video-token`, { method: 'POST' })).status, visitId);
    expect(token).toBe(401);
    await Promise.all([phoneCtx.close(), laptopCtx.close(), clinicianCtx.close()]);
  });
});
