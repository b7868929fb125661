import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, addStaffWithCli, staffId } from '../helpers/visit-setup';

/*
 * Issue 13, items 7 and 8, in the browser: a Spanish-speaking patient's visit page says so; sending PHQ-9
 * (English only in Alcove) asks first and says why, the sexual-health check-in (Spanish too) does not;
 * the clinician writes a visit note during the visit and, once the visit has ended, amends it on the ended
 * visit's page. VISIT_NOTE_EDIT_MINUTES=0 makes the note final at once, so the amendment path is the one shown.
 */

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousA11yViolations(page), what).toEqual([]);
}

describe.skipIf(!hasChromium)('visit notes and the patient’s language on the visit page', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinician: ApiClient;
  let clinicianPassword: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-visit-notes', { VISIT_NOTE_EDIT_MINUTES: '0' });
    const schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
    clinicianPassword = await addStaffWithCli(server, { email: 'reyes@clinic.test', name: 'Dr. Ana Reyes', role: 'clinician' });
    scheduler = new ApiClient(server.url);
    await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
    clinician = new ApiClient(server.url);
    await clinician.signIn('reyes@clinic.test', clinicianPassword);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('asks before sending an English-only instrument to a Spanish speaker; a note written in the visit is amended after it', async () => {
    const patient = await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', {
      displayName: 'Lucía Example',
      preferredName: 'Lucía',
      preferredLanguage: 'es',
    });
    const visit = await scheduler.request<{ visit: { id: string } }>('POST', '/api/visits', {
      patientId: patient.body.patient.id,
      clinicianIds: [await staffId(clinician)],
      startsAt: new Date().toISOString(),
      durationMinutes: 30,
    });
    const visitId = visit.body.visit.id;

    const ctx = await newContext(browser, DESKTOP, server.url);
    const doctor = await ctx.newPage();
    await doctor.goto('/signin');
    await doctor.getByLabel('Email').fill('reyes@clinic.test');
    await doctor.getByLabel('Password').fill(clinicianPassword);
    await doctor.getByRole('button', { name: 'Sign in' }).click();
    await doctor.waitForURL((u) => u.pathname !== '/signin');
    await doctor.goto(`/visits/${visitId}`);
    await expect.poll(() => doctor.getByTestId('patient-language').innerText()).toBe('Language: Spanish');

    // PHQ-9 has no Spanish text: the panel says so, asks, and sends only when told to.
    const panel = doctor.getByTestId('checkin-console');
    const phq9 = panel.getByRole('checkbox', { name: /\(PHQ-9\)/ });
    await expect.poll(() => panel.locator('label', { hasText: '(PHQ-9)' }).innerText()).toContain('English only');
    expect(await panel.locator('label', { hasText: 'Sexual health' }).innerText()).not.toContain('English only');
    await phq9.check();
    await panel.getByRole('button', { name: 'Send', exact: true }).click();
    const dialog = doctor.getByRole('dialog', { name: 'Send in English?' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('language-warning').innerText()).toBe(
      'Patient Health Questionnaire-9 (PHQ-9) has no Spanish text in Alcove; the patient will see it in English. Send anyway?',
    );
    await expectAccessible(doctor, 'language confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await panel.getByTestId('checkin-card').count()).toBe(0);
    await panel.getByRole('button', { name: 'Send', exact: true }).click();
    await doctor.getByRole('dialog', { name: 'Send in English?' }).getByRole('button', { name: 'Send anyway' }).click();
    await panel.getByText('Sent: Patient Health Questionnaire-9 (PHQ-9).').waitFor();

    // The note, written during the visit; with no edit window it is final at once.
    const notes = doctor.getByTestId('visit-notes');
    await notes.getByLabel('Summary').fill('Low mood for three weeks; sleep poor.');
    await notes.getByLabel('For the next clinician').fill('Ask about sleep first.');
    await notes.getByRole('button', { name: 'Save note' }).click();
    await notes.getByRole('heading', { name: 'Your note' }).waitFor();
    expect(await notes.getByRole('button', { name: 'Edit note' }).count()).toBe(0);

    // After the visit: the ended page shows the note and takes an amendment.
    expect((await clinician.request('POST', `/api/visits/${visitId}/end`)).status).toBe(200);
    await doctor.reload();
    await doctor.getByTestId('console-ended').waitFor();
    // Nobody joined this one: the record says so instead of showing an empty box.
    await doctor.getByText('Nobody joined this visit.').waitFor({ timeout: 5000 });
    const ended = doctor.getByTestId('visit-notes');
    await expect.poll(() => ended.getByTestId('visit-note').innerText()).toContain('Low mood for three weeks; sleep poor.');
    await ended.getByLabel('Amendment').fill('Sleep diary started the next day.');
    await ended.getByRole('button', { name: 'Add amendment' }).click();
    await expect.poll(() => ended.getByTestId('note-amendments').innerText()).toContain('Sleep diary started the next day.');
    expect(await ended.getByTestId('note-amendments').innerText()).toContain('Dr. Ana Reyes');
    await expectAccessible(doctor, 'ended visit with its note');
    await doctor.setViewportSize(PHONE);
    await expect
      .poll(() => doctor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { timeout: 10_000 })
      .toBeLessThanOrEqual(0);
    await expectAccessible(doctor, 'ended visit at 375 px');
    await screenshot(doctor, 'visit-notes-ended');
    await ctx.close();
  });
});
