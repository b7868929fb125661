import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { startTcpBalancer } from '../helpers/tcp-balancer';
import { ApiClient, createVisitAsScheduler, clinicStaff } from '../helpers/visit-setup';

/*
 * What the clinician's pages show about a patient's connection, and that they are right again after
 * the clinician's own socket comes back. The browser reaches the server through a TCP balancer, so
 * the server can be restarted behind one address, as a deployment's process would be.
 */
describe.skipIf(!hasChromium)('presence in the browser', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-presence-'));
  const dbFile = path.join(dir, 'alcove.db');
  const env = (url: string) => ({ DATABASE_URL: `sqlite:${dbFile}`, PUBLIC_URL: url, PRESENCE_GRACE_SECONDS: '3' });
  let balancer: Awaited<ReturnType<typeof startTcpBalancer>>;
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;

  beforeAll(async () => {
    balancer = await startTcpBalancer([]);
    server = await startServerProcess('e2e-presence', env(balancer.url));
    balancer.setUpstreams([server.port]);
    ({ scheduler, clinicianId, clinicianPassword } = await clinicStaff(server, balancer.url));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await balancer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function signInClinician(page: Page) {
    await page.goto('/signin');
    await page.getByLabel('Email').fill('rivera@clinic.test');
    await page.getByLabel('Password').fill(clinicianPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();
  }

  /** A patient in the waiting room through the API (no socket of their own). */
  async function patientWaitsByApi(joinPath: string, visitId: string) {
    const patient = new ApiClient(balancer.url);
    const joined = await patient.request<{ participant: { id: string } }>('POST', '/api/join', { token: joinPath.split('/').pop() });
    await patient.request('POST', `/api/visits/${visitId}/consent`, { version: '2026-11-27', accepted: true });
    const r = await patient.request('POST', `/api/visits/${visitId}/waiting-room`);
    expect(r.status).toBe(200);
    return joined.body.participant.id;
  }

  it("the Today page's waiting badge is right again after the clinician's socket reconnects", async () => {
    const { visitId, joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    const ctx = await newContext(browser, DESKTOP, balancer.url);
    const page = await ctx.newPage();
    await signInClinician(page);
    await expect.poll(() => page.getByText('Patient waiting').count()).toBe(0);

    // The badge appears from the live event, while the page is open.
    const participantId = await patientWaitsByApi(joinPath, visitId);
    await page.getByText('Patient waiting').waitFor();

    // The page's socket goes away (the process stops); meanwhile the patient is gone, a change this
    // page never hears about (made here in the database, as another process would have).
    await server.stop();
    const db = new Database(dbFile);
    db.prepare("update participants set state = 'left', waiting_since = null where id = ?").run(participantId);
    db.close();
    server = await startServerProcess('e2e-presence-after', env(balancer.url));
    balancer.setUpstreams([server.port]);

    // After the reconnect the page fetches its state again and the stale badge goes.
    await page.getByText('Patient waiting').waitFor({ state: 'detached', timeout: 30_000 });
    await ctx.close();
  });

  it('the visit page shows "Connection lost" when the patient closes the tab, and the patient leaves the list after the grace', async () => {
    const { visitId, joinPath } = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], preferredName: 'Robin' });
    const patientCtx = await newContext(browser, PHONE, balancer.url);
    const clinicianCtx = await newContext(browser, DESKTOP, balancer.url);
    const patient = await patientCtx.newPage();
    const clinician = await clinicianCtx.newPage();

    await patient.goto(joinPath);
    await patient.getByRole('button', { name: 'I understand, continue' }).click();
    await patient.getByRole('radio', { name: 'With my camera off for now' }).check();
    await patient.getByRole('button', { name: 'Continue', exact: true }).click();
    await patient.getByTestId('waiting-room').waitFor();

    await signInClinician(clinician);
    await clinician.goto(`/visits/${visitId}`);
    const waiting = clinician.getByTestId('waiting-participant');
    await waiting.locator('strong', { hasText: 'Robin' }).waitFor();
    expect(await waiting.getByText('Connection lost').count()).toBe(0);

    await patient.close();
    await waiting.getByText('Connection lost').waitFor({ timeout: 15_000 });
    expect(await seriousA11yViolations(clinician)).toEqual([]);

    const left = clinician.getByTestId('participant').filter({ hasText: 'Robin' });
    await left.getByText('Left').waitFor({ timeout: 15_000 });
    expect(await clinician.getByTestId('waiting-participant').count()).toBe(0);
    expect(await left.getByText('Connection lost').count()).toBe(0);
    await patientCtx.close();
    await clinicianCtx.close();
  });
});
