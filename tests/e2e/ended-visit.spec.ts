import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_VERSION } from '@shared/api/waiting-room.schema';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, staffId } from '../helpers/visit-setup';

/*
 * Issue 13: an ended visit keeps its record, and the trend chart can be acted on. Three PHQ-9 visits
 * are made over the API (total 20; then item 1 declined and item 9 positive, so no total but a safety
 * alert; then total 9). The clinician's page of the ended second visit still shows its check-in,
 * answers and the acknowledged alert; the history chart marks that visit although it has no total,
 * and labels the change from 20 to 9 with the rule and threshold on screen.
 */

const PHQ9_ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
const CODES = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];

/** A staff account made the way a clinic makes one: the CLI's one-time link, then the person's own password. */
async function addStaff(server: ServerProcess, input: { email: string; name: string; role: 'scheduler' | 'clinician' }): Promise<string> {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'server/auth/staff-cli.ts', 'invite', '--email', input.email, '--name', input.name, '--role', input.role],
    { env: { ...process.env, DATABASE_URL: server.databaseUrl, LOG_LEVEL: 'silent' }, encoding: 'utf8' },
  );
  const token = /\/invite\/(\S+)/.exec(out)?.[1];
  if (!token) throw new Error('the staff CLI printed no invitation link');
  const password = `lantern harbour ${randomBytes(6).toString('hex')} quietly`;
  const accept = () => new ApiClient(server.url).request('POST', '/api/auth/invitation/accept', { token, password });
  const res = await accept().catch(accept);
  if (res.status !== 200) throw new Error(`invitation not accepted: ${res.status}`);
  return password;
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousA11yViolations(page), what).toEqual([]);
}

describe.skipIf(!hasChromium)('an ended visit keeps its record; the trend chart marks alerts and labels change', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinician: ApiClient;
  let clinicianPassword: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-ended-visit');
    const schedulerPassword = await addStaff(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
    clinicianPassword = await addStaff(server, { email: 'okafor@clinic.test', name: 'Dr. Ife Okafor', role: 'clinician' });
    scheduler = new ApiClient(server.url);
    await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
    clinician = new ApiClient(server.url);
    await clinician.signIn('okafor@clinic.test', clinicianPassword);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** One visit done over the API: PHQ-9 answered with `scores` (or 'declined'), shared, alerts acknowledged, visit ended. */
  async function visitWithPhq9(patientId: string, clinicianId: string, minutesAgo: number, scores: (number | 'declined')[]) {
    const visit = await scheduler.request<{ visit: { id: string }; patientLink: { url: string } }>('POST', '/api/visits', {
      patientId,
      clinicianIds: [clinicianId],
      startsAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      durationMinutes: 30,
    });
    const visitId = visit.body.visit.id;
    const me = new ApiClient(server.url);
    expect((await me.request('POST', '/api/join', { token: visit.body.patientLink.url.split('/').pop() })).status).toBe(200);
    const consent = await me.request<{ participant: { id: string } }>('POST', `/api/visits/${visitId}/consent`, {
      version: CONSENT_VERSION,
      accepted: true,
    });
    await me.request('POST', `/api/visits/${visitId}/waiting-room`);
    await clinician.request('POST', `/api/visits/${visitId}/admit`, { participantId: consent.body.participant.id });
    const sent = await clinician.request<{ checkin: { id: string } }>('POST', `/api/visits/${visitId}/checkins`, { instrumentId: 'phq-9' });
    const id = sent.body.checkin.id;
    for (const [i, s] of scores.entries()) {
      const r = await me.request('PUT', `/api/checkins/${id}/answers/${PHQ9_ITEMS[i]}`, {
        value: s === 'declined' ? 'asked-declined' : CODES[s],
      });
      expect(r.status).toBe(200);
    }
    expect((await me.request('POST', `/api/checkins/${id}/submit`)).status).toBe(200);
    const { body } = await clinician.request<{ checkin: { alerts: { code: string }[] } }>('GET', `/api/checkins/${id}`);
    for (const a of body.checkin.alerts) await clinician.request('POST', `/api/checkins/${id}/alerts/${a.code}/acknowledge`);
    expect((await clinician.request('POST', `/api/visits/${visitId}/end`)).status).toBe(200);
    return visitId;
  }

  it('shows the ended visit’s check-in and alert, marks the alert visit on the chart, and labels reliable recovery with its rule', async () => {
    const clinicianId = await staffId(clinician);
    const patient = await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', {
      displayName: 'Robin Example',
      preferredName: 'Robin',
      pronouns: 'they/them',
      preferredLanguage: 'en',
    });
    const patientId = patient.body.patient.id;
    await visitWithPhq9(patientId, clinicianId, 20, [3, 3, 2, 3, 2, 2, 2, 3, 0]); // 20
    const alertVisit = await visitWithPhq9(patientId, clinicianId, 10, ['declined', 2, 1, 2, 1, 1, 1, 1, 1]); // no total, item 9 = 1
    await visitWithPhq9(patientId, clinicianId, 0, [1, 1, 1, 2, 1, 1, 1, 1, 0]); // 9

    const ctx = await newContext(browser, DESKTOP, server.url);
    const doctor = await ctx.newPage();
    await doctor.goto('/signin');
    await doctor.getByLabel('Email').fill('okafor@clinic.test');
    await doctor.getByLabel('Password').fill(clinicianPassword);
    await doctor.getByRole('button', { name: 'Sign in' }).click();
    await doctor.waitForURL((u) => u.pathname !== '/signin');

    // The ended visit's page: its check-in with answers and the acknowledged alert, read-only.
    await doctor.goto(`/visits/${alertVisit}`);
    await doctor.getByTestId('console-ended').waitFor();
    const record = doctor.getByTestId('checkin-console');
    await record.getByTestId('checkin-result').waitFor();
    await expect.poll(() => record.getByTestId('result-total').innerText()).toContain('No total');
    await expect.poll(() => record.getByTestId('alert-acknowledged').innerText()).toContain('Acknowledged by Dr. Ife Okafor');
    await record.getByRole('cell', { name: 'Prefer not to answer' }).waitFor();
    expect(await record.getByRole('button', { name: /^Send/ }).count()).toBe(0);
    await expectAccessible(doctor, 'ended visit page');

    // The history chart: the alert visit is marked although it has no total; the change is labelled with its rule.
    await doctor.goto(`/patients/${patientId}`);
    const phq = doctor.getByTestId('history-phq-9');
    await phq.getByTestId('trend-chart').waitFor();
    await phq.getByRole('button', { name: /no total.*safety alert/i }).waitFor();
    const change = phq.getByTestId('change-summary');
    await expect
      .poll(() => change.innerText())
      .toContain('Reliable improvement: PHQ-9 fell by 11 points (a change of 6 or more is reliable)');
    expect(await change.innerText()).toContain('Reliable recovery: PHQ-9 went from 20');
    expect(await change.innerText()).toContain('Gyani');
    // Consecutive scores in the table: the alert visit is not compared, the last one is compared with the first (the previous complete total).
    const steps = await phq.getByTestId('step-change').allInnerTexts();
    expect(steps[1]).toContain('not compared');
    expect(steps[2]).toContain('Reliable improvement: PHQ-9 fell by 11 points');
    await expectAccessible(doctor, 'history page');
    await doctor.setViewportSize(PHONE);
    // The chart follows the new width once its resize observer fires: wait for the page to settle.
    await expect
      .poll(() => doctor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { timeout: 10_000 })
      .toBeLessThanOrEqual(0);
    await expectAccessible(doctor, 'history page at 375 px');
    await screenshot(doctor, 'ended-visit-history');
    await ctx.close();
  });
});
