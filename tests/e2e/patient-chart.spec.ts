import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, addStaffWithCli, staffId } from '../helpers/visit-setup';

/*
 * Issue 13: a clinician's Patients page lists the patients they care for; a search narrows it; the
 * chart shows the patient's details (language clearly), visits, and a care team the clinician edits
 * in place (roles, one coordinator). Desktop, then the same pages at 375 px: no sideways scrolling,
 * and axe finds nothing serious.
 */

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousA11yViolations(page), what).toEqual([]);
}

const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe.skipIf(!hasChromium)('the clinician’s patients, the chart and the care team', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let okaforPassword: string;
  let schedulerPassword: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-patient-chart');
    schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
    okaforPassword = await addStaffWithCli(server, { email: 'okafor@clinic.test', name: 'Dr. Ife Okafor', role: 'clinician' });
    await addStaffWithCli(server, { email: 'reyes@clinic.test', name: 'Ana Reyes', role: 'clinician' });
    scheduler = new ApiClient(server.url);
    await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('Patients page → search → chart; the care team edited on the chart; desktop and 375 px; a new visit starts from the care team', async () => {
    const okafor = new ApiClient(server.url);
    await okafor.signIn('okafor@clinic.test', okaforPassword);
    const okaforId = await staffId(okafor);
    const patient = async (body: Record<string, unknown>) => (await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', body)).body.patient.id;
    const lucia = await patient({ displayName: 'Lucía Fernández Ortega', preferredName: 'Lu', pronouns: 'she/her', preferredLanguage: 'es', externalId: 'MRN-7731' });
    const other = await patient({ displayName: 'Morgan Example', preferredLanguage: 'en', externalId: 'MRN-1200' });
    for (const patientId of [lucia, other]) {
      const res = await scheduler.request('POST', '/api/visits', {
        patientId,
        clinicianIds: [okaforId],
        startsAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
        durationMinutes: 30,
      });
      expect(res.status).toBe(201);
    }

    const ctx = await newContext(browser, DESKTOP, server.url);
    const page = await ctx.newPage();
    await page.goto('/signin');
    await page.getByLabel('Email').fill('okafor@clinic.test');
    await page.getByLabel('Password').fill(okaforPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname !== '/signin');

    // The Patients page from the navigation: both patients, then a search by external id.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('heading', { level: 1, name: 'Patients' }).waitFor();
    const list = page.getByRole('list', { name: 'Your patients' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    expect(await list.innerText()).toContain('Next visit:');
    await expectAccessible(page, 'patients page');
    await page.getByLabel('Search by name or external id').fill('mrn-77');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
    expect(await list.innerText()).toContain('Lu');
    expect(await list.innerText()).toContain('Spanish');

    // The chart: details with the preferred language shown plainly, the upcoming visit.
    await list.getByRole('link', { name: 'Lu' }).click();
    await page.waitForURL(`**/patients/${lucia}`);
    await page.getByRole('heading', { level: 1, name: /Lu/ }).waitFor();
    // The tab title names the page, never the patient.
    expect(await page.title()).toBe('Patient chart · Alcove');
    expect(await page.getByTestId('preferred-language').innerText()).toContain('Spanish');
    const visits = page.getByRole('region', { name: 'Visits', exact: true });
    await expect.poll(() => visits.getByRole('list', { name: 'Upcoming visits' }).getByRole('listitem').count()).toBe(1);
    await expectAccessible(page, 'chart');

    // The care team, edited in place: Okafor (psychiatry, coordinator) and Reyes (sex therapy).
    const team = page.getByRole('region', { name: 'Care team', exact: true });
    await team.getByRole('button', { name: 'Edit care team' }).click();
    const add = async (name: string, role: string) => {
      await team.getByLabel('Add a clinician').selectOption({ label: name });
      await team.getByLabel('Their role').selectOption({ label: role });
      await team.getByRole('button', { name: 'Add to team' }).click();
    };
    await add('Dr. Ife Okafor', 'Psychiatry');
    await add('Ana Reyes', 'Sex therapy');
    await team.getByRole('radio', { name: /Coordinator.*Dr. Ife Okafor/ }).check();
    await expectAccessible(page, 'care team editor');
    await team.getByRole('button', { name: 'Save care team' }).click();
    await team.getByText('Care team saved.').waitFor();
    const members = team.getByRole('list');
    await expect.poll(() => members.innerText()).toContain('Dr. Ife Okafor · Psychiatry');
    expect(await members.innerText()).toContain('Ana Reyes · Sex therapy');
    expect(await members.getByRole('listitem').first().innerText()).toContain('Coordinator');
    const saved = await okafor.request<{ members: { name: string; role: string; isCoordinator: boolean }[] }>('GET', `/api/patients/${lucia}/care-team`);
    expect(saved.body.members.map((m) => [m.name, m.role, m.isCoordinator])).toEqual([
      ['Dr. Ife Okafor', 'psychiatry', true],
      ['Ana Reyes', 'sex_therapy', false],
    ]);

    // 375 px: the chart, the open editor and the Patients page keep to the screen's width.
    await page.setViewportSize(PHONE);
    await expect.poll(() => sideways(page), { timeout: 10_000 }).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'chart at 375 px');
    await team.getByRole('button', { name: 'Edit care team' }).click();
    await expect.poll(() => sideways(page), { timeout: 10_000 }).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'care team editor at 375 px');
    await screenshot(page, 'patient-chart-375');
    await team.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: /Your patients/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Patients' }).waitFor();
    await expect.poll(() => page.getByRole('list', { name: 'Your patients' }).getByRole('listitem').count()).toBe(2);
    await expect.poll(() => sideways(page), { timeout: 10_000 }).toBeLessThanOrEqual(0);
    await expectAccessible(page, 'patients page at 375 px');
    await ctx.close();

    // Visits are scheduled from the care team by default: picking the patient pre-selects it (still changeable).
    const sctx = await newContext(browser, DESKTOP, server.url);
    const sp = await sctx.newPage();
    await sp.goto('/signin');
    await sp.getByLabel('Email').fill('scheduler@clinic.test');
    await sp.getByLabel('Password').fill(schedulerPassword);
    await sp.getByRole('button', { name: 'Sign in' }).click();
    await sp.waitForURL((u) => u.pathname !== '/signin');
    await sp.goto('/schedule');
    await sp.getByRole('button', { name: 'New visit' }).click();
    await sp.getByRole('heading', { name: 'New visit' }).waitFor();
    await sp.getByRole('searchbox', { name: 'Patient' }).fill('MRN-7731');
    await sp.getByRole('list', { name: 'Matching patients' }).getByRole('button', { name: /Lu/ }).click();
    await sp.getByText('Pre-selected from the patient’s care team').waitFor();
    expect(await sp.getByLabel('Dr. Ife Okafor', { exact: true }).isChecked()).toBe(true);
    expect(await sp.getByLabel('Ana Reyes', { exact: true }).isChecked()).toBe(true);
    await sp.getByLabel('Ana Reyes', { exact: true }).uncheck();
    expect(await sp.getByLabel('Ana Reyes', { exact: true }).isChecked()).toBe(false);
    await sctx.close();
  });
});
