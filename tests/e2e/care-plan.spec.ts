import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations, signInOnPage } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, addStaffWithCli, staffId } from '../helpers/visit-setup';

/*
 * Issue 13 item 4: the shared care plan on the patient chart. A clinician on the patient's care team
 * (no visit needed) adds a goal with an owner and a medication flagged "watch sexual side effects"
 * through the page, changes its dose by keyboard, and sees every change in the history with their
 * name; axe finds nothing serious and nothing scrolls sideways at 375 px.
 */

describe.skipIf(!hasChromium)('the care plan on the patient chart', () => {
  let server: ServerProcess;
  let browser: Browser;
  let clinicianPassword: string;
  let patientId: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-care-plan');
    const schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
    clinicianPassword = await addStaffWithCli(server, { email: 'rivera@clinic.test', name: 'Dr. Ana Rivera', role: 'clinician' });
    const scheduler = new ApiClient(server.url);
    await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
    const clinician = new ApiClient(server.url);
    await clinician.signIn('rivera@clinic.test', clinicianPassword);
    const patient = await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', {
      displayName: 'Robin Example',
      preferredName: 'Robin',
      pronouns: 'they/them',
      preferredLanguage: 'en',
    });
    patientId = patient.body.patient.id;
    const team = await scheduler.request('PUT', `/api/patients/${patientId}/care-team`, {
      members: [{ staffId: await staffId(clinician), role: 'psychiatry', isCoordinator: true }],
    });
    expect(team.status).toBe(200);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('adds a goal and a flagged medication, changes the dose, and shows the history; axe clean; fits 375 px', async () => {
    const ctx = await newContext(browser, DESKTOP, server.url);
    const page = await ctx.newPage();
    await signInOnPage(page, 'rivera@clinic.test', clinicianPassword);

    await page.goto(`/patients/${patientId}`);
    const plan = page.getByRole('region', { name: 'Care plan' });
    await plan.getByText('No goals yet.').waitFor();

    // A goal in the patient's words, owned by the clinician.
    await plan.getByText('Add a goal').click();
    await plan.getByLabel('Goal, in the patient’s own words').fill('Feel close to my partner again');
    await plan.getByLabel('Owner').selectOption({ label: 'Dr. Ana Rivera' });
    await plan.getByRole('button', { name: 'Add goal' }).click();
    const goals = plan.getByRole('list', { name: 'Goals' });
    await goals.getByText('Feel close to my partner again', { exact: true }).waitFor();
    expect(await goals.innerText()).toContain('Owner: Dr. Ana Rivera');

    // A medication with the flag, then a dose change made with the keyboard only.
    const meds = page.getByRole('region', { name: 'Medications' });
    await meds.getByText('Add a medication').click();
    await meds.getByLabel('Medication', { exact: true }).fill('Sertraline');
    await meds.getByLabel('Dose (optional)').fill('50 mg daily');
    await meds.getByLabel('Started on').fill('2026-10-01');
    await meds.getByLabel('Watch sexual side effects').check();
    await meds.getByRole('button', { name: 'Add medication' }).click();
    await meds.getByTestId('watch-sexual-side-effects').waitFor();
    expect(await meds.getByTestId('watch-sexual-side-effects').innerText()).toContain('Watch sexual side effects');

    await meds.locator('summary', { hasText: 'Change dose' }).focus();
    await page.keyboard.press('Enter');
    await meds.getByLabel('New dose').fill('100 mg daily');
    await meds.getByLabel('From').fill('2026-10-20');
    await page.keyboard.press('Enter');
    const timeline = meds.getByRole('list', { name: 'Timeline of Sertraline' });
    await expect.poll(() => timeline.innerText()).toContain('Dose changed (100 mg daily)');

    // Bad input is said next to its field and changes nothing.
    await meds.locator('summary', { hasText: 'Stop' }).click();
    await meds.getByLabel('Stopped on').fill('2026-09-01');
    await meds.getByRole('button', { name: 'Stop medication' }).click();
    await meds.getByText(/cannot be before the start/).waitFor();
    expect(await meds.getByLabel('Stopped on').getAttribute('aria-invalid')).toBe('true');

    const history = page.getByRole('region', { name: 'Change history' });
    await expect.poll(() => history.getByRole('listitem').count()).toBe(3);
    const entries = await history.getByRole('listitem').allInnerTexts();
    expect(entries[0]).toContain('Dr. Ana Rivera');
    expect(entries[0]).toContain('Sertraline: dose 50 mg daily → 100 mg daily from 2026-10-20');
    expect(entries[2]).toContain('Added goal “Feel close to my partner again”');

    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.setViewportSize(PHONE);
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), { timeout: 10_000 })
      .toBeLessThanOrEqual(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'care-plan-375');
    await ctx.close();
  });
});
