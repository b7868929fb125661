import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, addStaffWithCli, staffId } from '../helpers/visit-setup';

/*
 * Measurement-based care on a phone: the patient's plan says "PHQ-9 every visit"; entering the
 * waiting room sends it, and the patient sees it there, before anyone admits them. "Not now" sets
 * it aside (a neutral button brings it back); answering and sharing works before admission.
 */

async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

describe.skipIf(!hasChromium)('due check-ins in the waiting room', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinician: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-measurement');
    const schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
    clinicianPassword = await addStaffWithCli(server, { email: 'okafor@clinic.test', name: 'Dr. Ife Okafor', role: 'clinician' });
    scheduler = new ApiClient(server.url);
    await scheduler.signIn('scheduler@clinic.test', schedulerPassword);
    clinician = new ApiClient(server.url);
    await clinician.signIn('okafor@clinic.test', clinicianPassword);
    clinicianId = await staffId(clinician);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a phone patient with "PHQ-9 every visit, GAD-7 every 4 weeks" gets both on entering the waiting room, sets them aside, comes back, shares PHQ-9 before admission; the chart shows the plan with what is due', async () => {
    const patient = await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', {
      displayName: 'Robin Example',
      preferredName: 'Robin',
      pronouns: 'they/them',
      preferredLanguage: 'en',
    });
    const patientId = patient.body.patient.id;
    const visit = await scheduler.request<{ visit: { id: string }; patientLink: { url: string } }>('POST', '/api/visits', {
      patientId,
      clinicianIds: [clinicianId],
      startsAt: new Date().toISOString(),
      durationMinutes: 30,
    });
    const visitId = visit.body.visit.id;
    const plan = await clinician.request('PUT', `/api/patients/${patientId}/measurement-plan`, {
      items: [
        { instrumentId: 'phq-9', frequency: 'every_visit' },
        { instrumentId: 'gad-7', frequency: { everyWeeks: 4 } },
      ],
    });
    expect(plan.status).toBe(200);

    const ctx = await newContext(browser, PHONE, server.url);
    const page = await ctx.newPage();
    await page.goto(new URL(visit.body.patientLink.url).pathname);
    await page.getByRole('button', { name: 'I understand, continue' }).click();
    await page.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    const waiting = page.getByTestId('waiting-room');
    await waiting.waitFor();

    // The plan sent PHQ-9 as the patient entered: the panel is in the waiting room, safety question first.
    const panel = waiting.getByTestId('checkin-panel');
    await panel.getByRole('heading', { name: 'Is it safe to talk right now?' }).waitFor();
    await waiting.getByText('While you wait, you can answer some questions from your care team.').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'measurement-waiting-room-phone');

    // "Not now": set aside. GAD-7 comes next; it asks no safety question, so its "Not now" sits beside "Hide".
    await panel.getByRole('button', { name: 'Not now' }).click();
    await panel.getByRole('heading', { name: /GAD-7/ }).waitFor();
    await panel.getByTestId('checkin-not-now').click();
    // Both set aside: nothing about them on screen; a neutral button brings them back.
    const resume = waiting.getByTestId('waiting-checkin-resume');
    await resume.waitFor();
    expect(await page.getByTestId('checkin-panel').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toMatch(/PHQ|Patient Health|depress/i);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await resume.click();
    await panel.getByRole('button', { name: 'Yes, continue' }).click();

    // Answered and shared before admission.
    await panel.getByRole('heading', { name: 'Patient Health Questionnaire-9 (PHQ-9)' }).waitFor();
    for (let i = 0; i < 10 && (await panel.getByRole('heading', { name: 'Ready to share?' }).count()) === 0; i++) {
      await panel.getByRole('radio').first().check();
      await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor();
      await panel.getByRole('button', { name: /^(Next|Review and share)$/ }).click();
    }
    await panel.getByRole('button', { name: 'Share with my clinician' }).click();
    await panel.getByTestId('checkin-done').waitFor();
    await expectNoHorizontalScroll(page);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // GAD-7 is put off again, and stays available (for the call) behind the same button.
    await panel.getByRole('button', { name: 'Close' }).click();
    await panel.getByRole('heading', { name: /GAD-7/ }).waitFor();
    await panel.getByTestId('checkin-not-now').click();
    await resume.waitFor();
    expect(await page.getByTestId('checkin-panel').count()).toBe(0);

    const seen = await clinician.request<{ checkins: { instrumentId: string; status: string }[] }>('GET', `/api/visits/${visitId}/checkins`);
    expect(seen.body.checkins.map((c) => [c.instrumentId, c.status]).sort()).toEqual([
      ['gad-7', 'sent'],
      ['phq-9', 'shared'],
    ]);
    await ctx.close();

    // The clinician's chart: the plan with what is due (GAD-7 was sent, not answered; PHQ-9 is due at every visit).
    const desk = await newContext(browser, DESKTOP, server.url);
    const doctor = await desk.newPage();
    await doctor.goto('/signin');
    await doctor.getByLabel('Email').fill('okafor@clinic.test');
    await doctor.getByLabel('Password').fill(clinicianPassword);
    await doctor.getByRole('button', { name: 'Sign in' }).click();
    await doctor.waitForURL((u) => u.pathname !== '/signin');
    await doctor.goto(`/patients/${patientId}`);
    const section = doctor.getByRole('region', { name: 'Measurement plan' });
    const table = section.getByTestId('measurement-plan');
    await table.waitFor();
    expect(await table.locator('tr[data-instrument="phq-9"]').innerText()).toMatch(/Every visit[\s\S]*Due/);
    expect(await table.locator('tr[data-instrument="gad-7"]').innerText()).toMatch(/Every 4 weeks[\s\S]*never[\s\S]*Due/);
    expect(await seriousA11yViolations(doctor)).toEqual([]);
    await desk.close();
  });
});
