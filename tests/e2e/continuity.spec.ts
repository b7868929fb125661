import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_VERSION } from '@shared/api/waiting-room.schema';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, addStaffWithCli, staffId } from '../helpers/visit-setup';

/*
 * Issue 13, done when: continuity of care across two visits in two real browsers (a clinician on a
 * laptop, the patient on a phone). The first visit is made over the API: PHQ-9 answered (total 20),
 * shared, visit ended. Between the visits a medication starts (care plan API) and the care team sets
 * a measurement plan "PHQ-9 every visit". At the second visit the patient's entering the waiting room
 * sends the due PHQ-9, and the patient answers it there, before anyone admits them. The clinician's
 * chart then shows two PHQ-9 points with the medication marker between them and the reliable change
 * label; the ended first visit's page still shows its result.
 *
 * Time: a medication date is a calendar day, drawn at the start of that day in the viewer's time zone.
 * The first visit starts 23 h 50 min ago and the second in 20 minutes, so a midnight of the browser's
 * time zone always falls between them (the link of the first visit works that long after its end
 * with JOIN_GRACE_MINUTES at its maximum).
 */

const PHQ9_ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
const CODES = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];
const PHQ9_OPTIONS = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'] as const;
/** Second visit, answered in the phone's waiting room: total 11 (from 20: a fall of 9), item 9 "Not at all". */
const VISIT2_SCORES = [2, 1, 2, 1, 1, 2, 1, 1, 0];
const BROWSER_TIME_ZONE = 'America/New_York'; // the one newContext gives every page

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
function dayIn(timeZone: string, at: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(at));
}

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousA11yViolations(page), what).toEqual([]);
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe.skipIf(!hasChromium)(
  'continuity of care: a due PHQ-9 answered in the waiting room lands on the chart beside the medication',
  () => {
    let server: ServerProcess;
    let browser: Browser;
    let scheduler: ApiClient;
    let clinician: ApiClient;
    let clinicianPassword: string;

    beforeAll(async () => {
      server = await startServerProcess('e2e-continuity', { JOIN_GRACE_MINUTES: String(24 * 60) });
      const schedulerPassword = await addStaffWithCli(server, { email: 'scheduler@clinic.test', name: 'Sam Scheduler', role: 'scheduler' });
      clinicianPassword = await addStaffWithCli(server, { email: 'okafor@clinic.test', name: 'Dr. Ife Okafor', role: 'clinician' });
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

    it('the waiting room sends the due PHQ-9; the chart shows both scores, the medication between them and the reliable change', async () => {
      const clinicianId = await staffId(clinician);
      const patient = await scheduler.request<{ patient: { id: string } }>('POST', '/api/patients', {
        displayName: 'Robin Example',
        preferredName: 'Robin',
        pronouns: 'they/them',
        preferredLanguage: 'en',
      });
      expect(patient.status).toBe(201);
      const patientId = patient.body.patient.id;
      const team = await scheduler.request('PUT', `/api/patients/${patientId}/care-team`, {
        members: [{ staffId: clinicianId, role: 'psychiatry', isCoordinator: true }],
      });
      expect(team.status).toBe(200);

      // Visit 1, over the API: PHQ-9 total 20, shared, ended.
      const firstStart = Date.now() - (23 * 60 + 50) * 60_000;
      const v1 = await scheduler.request<{ visit: { id: string }; patientLink: { url: string } }>('POST', '/api/visits', {
        patientId,
        clinicianIds: [clinicianId],
        startsAt: new Date(firstStart).toISOString(),
        durationMinutes: 30,
      });
      expect(v1.status).toBe(201);
      const firstVisit = v1.body.visit.id;
      const me = new ApiClient(server.url);
      expect((await me.request('POST', '/api/join', { token: v1.body.patientLink.url.split('/').pop() })).status).toBe(200);
      const consent = await me.request<{ participant: { id: string } }>('POST', `/api/visits/${firstVisit}/consent`, {
        version: CONSENT_VERSION,
        accepted: true,
      });
      await me.request('POST', `/api/visits/${firstVisit}/waiting-room`);
      expect(
        (await clinician.request('POST', `/api/visits/${firstVisit}/admit`, { participantId: consent.body.participant.id })).status,
      ).toBe(200);
      const sent = await clinician.request<{ checkins: { id: string }[] }>('POST', `/api/visits/${firstVisit}/checkins`, {
        instrumentIds: ['phq-9', 'alcove-sexual-health'],
      });
      const [first, sexualHealth] = sent.body.checkins.map((c) => c.id);
      for (const [i, s] of [3, 3, 2, 3, 2, 2, 2, 3, 0].entries()) {
        expect((await me.request('PUT', `/api/checkins/${first}/answers/${PHQ9_ITEMS[i]}`, { value: CODES[s] })).status).toBe(200);
      }
      expect((await me.request('POST', `/api/checkins/${first}/submit`)).status).toBe(200);
      await me.request('PUT', `/api/checkins/${sexualHealth}/answers/satisfaction`, { value: 'very-satisfied' });
      await me.request('PUT', `/api/checkins/${sexualHealth}/answers/changes`, { value: ['no-change'] });
      expect((await me.request('POST', `/api/checkins/${sexualHealth}/submit`)).status).toBe(200);
      expect((await clinician.request('POST', `/api/visits/${firstVisit}/end`)).status).toBe(200);

      // Between the visits: the measurement plan, and sertraline from the first midnight (browser time) after visit 1.
      const secondStart = Date.now() + 20 * 60_000;
      // The day after visit 1's: its midnight is after visit 1 and, 24 h later at most, before visit 2.
      const medicationDay = dayIn(BROWSER_TIME_ZONE, firstStart + 24 * 3600_000);
      const plan = await clinician.request('PUT', `/api/patients/${patientId}/measurement-plan`, {
        items: [{ instrumentId: 'phq-9', frequency: 'every_visit' }],
      });
      expect(plan.status).toBe(200);
      const medication = await clinician.request('POST', `/api/patients/${patientId}/care-plan/medications`, {
        name: 'Sertraline',
        dose: '50 mg',
        startedOn: medicationDay,
        prescriber: 'Dr. Ife Okafor',
        watchSexualSideEffects: true,
      });
      expect([200, 201]).toContain(medication.status);

      // Visit 2: the patient on a phone enters the waiting room; the due PHQ-9 arrives there.
      const v2 = await scheduler.request<{ visit: { id: string }; patientLink: { url: string } }>('POST', '/api/visits', {
        patientId,
        clinicianIds: [clinicianId],
        startsAt: new Date(secondStart).toISOString(),
        durationMinutes: 30,
      });
      expect(v2.status).toBe(201);
      const phoneCtx = await newContext(browser, PHONE, server.url);
      const phone = await phoneCtx.newPage();
      await phone.goto(new URL(v2.body.patientLink.url).pathname);
      await phone.getByRole('button', { name: 'I understand, continue' }).click();
      await phone.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
      await phone.getByRole('button', { name: 'Continue', exact: true }).click();
      await phone.getByTestId('waiting-room').waitFor();
      const panel = phone.getByTestId('checkin-panel');
      await panel.getByRole('heading', { name: 'Is it safe to talk right now?' }).waitFor();
      await panel.getByRole('button', { name: 'Yes, continue' }).click();
      await panel.getByRole('heading', { name: 'Patient Health Questionnaire-9 (PHQ-9)' }).waitFor();
      expect(await horizontalOverflow(phone), 'waiting room with the check-in at 375 px').toBeLessThanOrEqual(0);
      await expectAccessible(phone, 'check-in in the waiting room');
      await screenshot(phone, 'continuity-waiting-checkin-phone');
      for (const [i, s] of VISIT2_SCORES.entries()) {
        await panel.getByText(`Question ${i + 1} of`).waitFor();
        await panel.getByRole('radio', { name: PHQ9_OPTIONS[s] }).check();
        await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor();
        await panel.getByRole('button', { name: 'Next' }).click();
      }
      await panel.getByText('Question 10 of 10').waitFor();
      await panel.getByRole('radio', { name: 'Somewhat difficult' }).check();
      await panel.getByRole('button', { name: 'Review and share' }).click();
      await panel.getByRole('button', { name: 'Share with my clinician' }).click();
      await panel.getByTestId('checkin-done').waitFor();
      // Answered and shared before admission: the patient is still waiting.
      expect(await phone.getByTestId('waiting-room').count()).toBe(1);
      expect(await phone.getByTestId('video-call').count()).toBe(0);
      expect(await horizontalOverflow(phone), 'waiting room after sharing at 375 px').toBeLessThanOrEqual(0);

      // The clinician's chart: two PHQ-9 points, the sertraline marker between them, the reliable change label.
      const deskCtx = await newContext(browser, DESKTOP, server.url);
      const doctor = await deskCtx.newPage();
      await doctor.goto('/signin');
      await doctor.getByLabel('Email').fill('okafor@clinic.test');
      await doctor.getByLabel('Password').fill(clinicianPassword);
      await doctor.getByRole('button', { name: 'Sign in' }).click();
      await doctor.waitForURL((u) => u.pathname !== '/signin');
      await doctor.goto(`/patients/${patientId}`);
      const trends = doctor.getByTestId('patient-trends');
      await trends.getByRole('heading', { name: 'Trends', level: 2 }).waitFor();
      const phq = trends.getByTestId('history-phq-9');
      const dots = phq.getByRole('button', { name: /total \d+/ });
      await expect.poll(() => dots.count()).toBe(2);
      expect(await dots.first().getAttribute('aria-label')).toMatch(/total 20, Severe/);
      expect(await dots.nth(1).getAttribute('aria-label')).toMatch(
        /total 11, Moderate.*medication changes since the previous visit: Sertraline started \(50 mg\)/,
      );
      const marker = phq.getByTestId('med-marker');
      await marker.waitFor();
      const markerX = Number(await marker.getAttribute('data-x'));
      const dotX = async (i: number) => Number(await dots.nth(i).getAttribute('cx'));
      expect(markerX).toBeGreaterThan(await dotX(0));
      expect(markerX).toBeLessThan(await dotX(1));
      expect(await marker.getAttribute('data-day')).toBe(medicationDay);
      await trends.getByTestId('medication-change').filter({ hasText: 'Sertraline started (50 mg)' }).waitFor();
      const summary = phq.getByTestId('change-summary');
      expect(await summary.getByTestId('change-label').first().innerText()).toBe('Reliable improvement');
      expect(await summary.innerText()).toContain('Reliable improvement: PHQ-9 fell by 9 points (a change of 6 or more is reliable)');
      expect(await summary.innerText()).toContain('Gyani');
      const steps = await phq.getByTestId('step-medications').allInnerTexts();
      expect(steps[1]).toContain('Sertraline started (50 mg)');
      // The sexual-health answers: the medication change as its own column after the visit it followed.
      const grid = trends.getByTestId('history-alcove-sexual-health').getByTestId('item-grid');
      const headers = await grid.getByRole('columnheader').allInnerTexts();
      expect(headers).toHaveLength(3);
      expect(headers[2]).toContain('Sertraline started (50 mg)');
      await grid.getByRole('cell', { name: 'Very satisfied' }).waitFor();
      await summary.getByText('How this is worked out').click();
      await summary.getByText(/NHS Talking Therapies also counts a person as a case/).waitFor();
      await expectAccessible(doctor, 'patient chart with trends');
      await screenshot(doctor, 'continuity-chart-desktop');

      // The ended first visit still shows its result.
      await doctor.goto(`/visits/${firstVisit}`);
      await doctor.getByTestId('console-ended').waitFor();
      const record = doctor.getByTestId('checkin-console');
      await expect.poll(() => record.getByTestId('result-total').innerText()).toContain('20');
      await expectAccessible(doctor, 'ended first visit');

      await deskCtx.close();
      await phoneCtx.close();
    });
  },
);
