import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type TestAgent from 'supertest/lib/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_DIR } from '../../server/app';
import { hasChromium, launchBrowser, newContext, PHONE } from '../helpers/browser';
import { startTestApp, type TestApp } from '../helpers/test-app';

/*
 * The patient's front door fetches its code in steps (issue 12): up to the date-of-birth form only
 * the patient page's own files (no staff page, no staff session, no video code); the camera code
 * once past it; the call's code and the E2EE worker while waiting, before admission; the check-in
 * panel as the call starts, before any check-in is sent. Files are named from the build's manifest.
 */

interface ManifestChunk {
  file: string;
  imports?: string[];
  css?: string[];
}

const manifestPath = path.join(DEFAULT_CLIENT_DIR, '.vite/manifest.json');
const built = fs.existsSync(manifestPath);

describe.skipIf(!hasChromium || !built)('the patient front door loads in steps', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let manifest: Record<string, ManifestChunk>;
  let clinician: TestAgent;
  let visitId: string;
  let joinPath: string;
  /** Every path the patient's page requested, in order. */
  const requested: string[] = [];

  /** The files `key` needs: its own and those it imports, recursively. */
  function closure(key: string, seen = new Set<string>()): Set<string> {
    const chunk = manifest[key];
    if (!chunk) throw new Error(`${key} is not in the build manifest`);
    if (seen.has(chunk.file)) return seen;
    seen.add(chunk.file);
    for (const i of chunk.imports ?? []) closure(i, seen);
    return seen;
  }
  const scripts = () => requested.filter((p) => p.endsWith('.js'));
  const wasRequested = (file: string) => requested.includes(`/${file}`);

  beforeAll(async () => {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, ManifestChunk>;
    t = await startTestApp('sqlite', { deps: { clientDir: DEFAULT_CLIENT_DIR } });
    const scheduler = (await t.signedIn('scheduler')).agent;
    const doctor = await t.signedIn('clinician');
    clinician = doctor.agent;
    const patient = await scheduler.post('/api/patients').send({ displayName: 'Front Door', dateOfBirth: '1984-06-02' }).expect(201);
    const visit = await scheduler
      .post('/api/visits')
      .send({
        patientId: patient.body.patient.id,
        clinicianIds: [doctor.staff.id],
        startsAt: new Date().toISOString(),
        durationMinutes: 30,
      })
      .expect(201);
    visitId = visit.body.visit.id;
    joinPath = new URL(visit.body.patientLink.url as string).pathname;
    browser = await launchBrowser();
    const ctx = await newContext(browser, PHONE, t.url);
    page = await ctx.newPage();
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('up to the date-of-birth form: only the patient page and what it imports, no staff page, session or video code', async () => {
    await page.goto(joinPath);
    await page.getByLabel('Year', { exact: true }).waitFor();
    const allowed = closure('join.html');
    const extra = scripts().filter((p) => p !== '/join-early.js' && !allowed.has(p.slice(1)));
    expect(extra, 'scripts beyond the patient page').toEqual([]);
    expect(wasRequested(manifest['index.html']!.file), 'the staff entry').toBe(false);
    expect(
      requested.filter((p) => p.startsWith('/api/')),
      'API calls',
    ).toEqual(['/api/join']);
    expect(scripts().some((p) => /e2ee\.worker/.test(p))).toBe(false);
  });

  it('past the date of birth the camera code comes; while waiting, the call and the E2EE worker, before admission', async () => {
    const mediaFile = manifest['app/patient-media.tsx']!.file;
    const callFile = manifest['app/patient-call.tsx']!.file;
    expect(wasRequested(mediaFile)).toBe(false);
    await page.getByLabel('Month', { exact: true }).fill('06');
    await page.getByLabel('Day', { exact: true }).fill('02');
    await page.getByLabel('Year', { exact: true }).fill('1984');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'I understand, continue' }).click();
    await page.getByTestId('camera-preview').waitFor();
    expect(wasRequested(mediaFile)).toBe(true);
    expect(wasRequested(callFile), 'the call is not fetched before the waiting room').toBe(false);

    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await page.getByTestId('waiting-room').waitFor();
    await expect.poll(() => wasRequested(callFile)).toBe(true);
    await expect.poll(() => scripts().some((p) => /e2ee\.worker/.test(p))).toBe(true);
    await expect.poll(() => [...closure('app/patient-call.tsx')].every(wasRequested)).toBe(true);
  });

  it('in the call the check-in panel is fetched before any check-in arrives, and shows when one does', async () => {
    const panelFile = manifest['features/checkin/checkin-panel.tsx']!.file;
    expect(wasRequested(panelFile)).toBe(false);
    const detail = await clinician.get(`/api/visits/${visitId}`).expect(200);
    const participantId = (detail.body.visit.participants as { id: string; kind: string }[]).find((p) => p.kind === 'patient')!.id;
    await clinician.post(`/api/visits/${visitId}/admit`).send({ participantId }).expect(200);
    await page.getByTestId('video-call').waitFor();
    await expect.poll(() => wasRequested(panelFile)).toBe(true);
    await clinician.post(`/api/visits/${visitId}/checkins`).send({ instrumentId: 'phq-9' }).expect(201);
    await page.getByTestId('checkin-panel').waitFor();
    // The staff session was never asked for on the patient's page.
    expect(requested).not.toContain('/api/auth/me');
  });
});
