import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_VERSION } from '@shared/api/waiting-room.schema';
import path from 'node:path';
import { DESKTOP, PHONE, SCREENSHOTS, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, addStaffWithCli, staffId } from '../helpers/visit-setup';

/*
 * The in-call check-in in two real Chromium browsers: a clinician on a laptop sends PHQ-9 and the
 * sexual-health check-in; the patient answers on a phone, reloads halfway, hides and restores the
 * panel, and shares; the clinician gets the item-9 safety alert the moment it is answered,
 * acknowledges it, and reads the server's total and band; the patient's history page charts two
 * visits. No LiveKit server runs here: the call shows "video unavailable" and the check-in works anyway.
 */

const PHQ9_OPTIONS = ['Not at all', 'Several days', 'More than half the days', 'Nearly every day'] as const;
/** The scores the patient gives in the browser: total 10 → "Moderate". Item 9 = 1 → safety alert. */
const VISIT2_SCORES = [1, 2, 1, 2, 1, 0, 1, 1, 1];

async function expectAccessible(page: Page, what: string): Promise<void> {
  expect(await seriousA11yViolations(page), what).toEqual([]);
}

async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

/** A first visit done entirely over the API (as the patient's own browser would call it), so history has two visits. */
async function firstVisitOverApi(server: ServerProcess, scheduler: ApiClient, clinician: ApiClient, clinicianId: string) {
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
    startsAt: new Date(Date.now() - 60 * 60_000).toISOString(),
    durationMinutes: 30,
  });
  const visitId = visit.body.visit.id;
  const token = visit.body.patientLink.url.split('/').pop() as string;
  const me = new ApiClient(server.url);
  await me.request('POST', '/api/join', { token });
  const consent = await me.request<{ participant: { id: string } }>('POST', `/api/visits/${visitId}/consent`, {
    version: CONSENT_VERSION,
    accepted: true,
  });
  await me.request('POST', `/api/visits/${visitId}/waiting-room`);
  await clinician.request('POST', `/api/visits/${visitId}/admit`, { participantId: consent.body.participant.id });
  const sent = await clinician.request<{ checkins: { id: string; instrumentId: string }[] }>('POST', `/api/visits/${visitId}/checkins`, {
    instrumentIds: ['phq-9', 'alcove-sexual-health'],
  });
  const [phq, sh] = sent.body.checkins;
  const codes = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];
  const items = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
  for (const [i, s] of [3, 3, 2, 3, 2, 2, 2, 3, 0].entries()) {
    const r = await me.request('PUT', `/api/checkins/${phq!.id}/answers/${items[i]}`, { value: codes[s] });
    expect(r.status).toBe(200);
  }
  expect((await me.request('POST', `/api/checkins/${phq!.id}/submit`)).status).toBe(200); // 20: severe
  await me.request('PUT', `/api/checkins/${sh!.id}/answers/satisfaction`, { value: 'somewhat-satisfied' });
  await me.request('PUT', `/api/checkins/${sh!.id}/answers/changes`, { value: ['no-change'] });
  expect((await me.request('POST', `/api/checkins/${sh!.id}/submit`)).status).toBe(200);
  await clinician.request('POST', `/api/visits/${visitId}/end`);
  return { patientId };
}

describe.skipIf(!hasChromium)('the private in-call check-in in two real browsers', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinician: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-checkin');
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

  it('clinician sends PHQ-9 and the sexual-health check-in; the patient answers privately, reloads, hides, shares; alert, score and trend follow', async () => {
    const { patientId } = await firstVisitOverApi(server, scheduler, clinician, clinicianId);
    const second = await scheduler.request<{ visit: { id: string }; patientLink: { url: string } }>('POST', '/api/visits', {
      patientId,
      clinicianIds: [clinicianId],
      startsAt: new Date().toISOString(),
      durationMinutes: 30,
    });
    const visitId = second.body.visit.id;
    const joinPath = new URL(second.body.patientLink.url).pathname;

    const patientCtx = await newContext(browser, PHONE, server.url);
    const clinicianCtx = await newContext(browser, DESKTOP, server.url);
    const patient = await patientCtx.newPage();
    const doctor = await clinicianCtx.newPage();

    // The patient reaches the waiting room on a phone.
    await patient.goto(joinPath);
    await patient.getByRole('button', { name: 'I understand, continue' }).click();
    await patient.getByRole('heading', { name: 'Check your camera and microphone' }).waitFor();
    await patient.getByRole('button', { name: 'Continue', exact: true }).click();
    await patient.getByTestId('waiting-room').waitFor();

    // The clinician signs in, admits, and joins the call (which has no media server: "video unavailable").
    await doctor.goto('/signin');
    await doctor.getByLabel('Email').fill('okafor@clinic.test');
    await doctor.getByLabel('Password').fill(clinicianPassword);
    await doctor.getByRole('button', { name: 'Sign in' }).click();
    await doctor.waitForURL((u) => u.pathname !== '/signin');
    await doctor.goto(`/visits/${visitId}`);
    await doctor.getByRole('button', { name: 'Admit Robin' }).click();
    await patient.getByTestId('video-call').waitFor();
    await patient.getByTestId('video-unavailable').waitFor({ timeout: 20_000 });
    await doctor.getByRole('button', { name: 'Join video' }).click();
    await doctor.getByTestId('video-call').waitFor();

    // Nothing sent yet: the patient's call has no panel.
    expect(await patient.getByTestId('checkin-panel').count()).toBe(0);

    // The clinician picks both instruments and sends them at once.
    const console_ = doctor.getByTestId('checkin-console');
    await console_.getByRole('checkbox', { name: /PHQ-9/ }).check();
    await console_.getByRole('checkbox', { name: /Sexual health check-in/ }).check();
    await console_.getByRole('button', { name: 'Send 2 check-ins' }).click();
    await console_.getByRole('status').filter({ hasText: 'Sent:' }).waitFor();
    const phqCard = doctor.locator('[data-testid="checkin-card"][data-instrument="phq-9"]');
    const shCard = doctor.locator('[data-testid="checkin-card"][data-instrument="alcove-sexual-health"]');
    await phqCard.getByText('0 of 10 answered').waitFor(); // every question of PHQ-9, whatever the answers will switch on
    await expectAccessible(doctor, 'clinician console after sending');
    await screenshot(doctor, 'checkin-console-sent-desktop');

    // The patient's panel slides in and asks first whether it is safe to talk.
    const panel = patient.getByTestId('checkin-panel');
    await panel.getByRole('heading', { name: 'Is it safe to talk right now?' }).waitFor();
    await expectAccessible(patient, 'safety question');
    await expectNoHorizontalScroll(patient);
    await screenshot(patient, 'checkin-safe-to-talk-phone');

    // "Not now" puts it away without a trace; a neutral control brings it back.
    await panel.getByRole('button', { name: 'Not now' }).click();
    // The other check-in is just as sensitive: asked again, put off again.
    await panel.getByRole('heading', { name: 'Is it safe to talk right now?' }).waitFor();
    await panel.getByRole('button', { name: 'Not now' }).click();
    await patient.getByTestId('checkin-reminder').waitFor();
    expect(await patient.getByTestId('checkin-panel').count()).toBe(0);
    const visible = await patient.locator('body').innerText();
    for (const word of ['PHQ', 'Sexual', 'sexual', 'depress', 'question']) expect(visible).not.toContain(word);
    expect(await patient.getByTestId('checkin-reminder').textContent()).toBe('You have something to fill in');
    await screenshot(patient, 'checkin-deferred-phone');
    // In Spanish, the reminder and the safety question too.
    await patient.getByRole('button', { name: 'Español' }).click();
    await patient.getByTestId('checkin-reminder').filter({ hasText: 'Tiene algo por completar' }).waitFor();
    await patient.getByTestId('checkin-reminder').click();
    await panel.getByRole('heading', { name: '¿Es seguro hablar en este momento?' }).waitFor();
    await expectAccessible(patient, 'safety question in Spanish');
    await patient.getByRole('button', { name: 'English' }).click();
    await panel.getByRole('button', { name: 'Yes, continue' }).click();

    // One question at a time, with the progress shown; each answer reaches the clinician as a count only.
    await panel.getByRole('heading', { name: 'Patient Health Questionnaire-9 (PHQ-9)' }).waitFor();
    for (let i = 0; i < 4; i++) {
      await panel.getByText(`Question ${i + 1} of`).waitFor();
      await panel.getByRole('radio', { name: PHQ9_OPTIONS[VISIT2_SCORES[i]!] }).check();
      await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor();
      await panel.getByRole('button', { name: 'Next' }).click();
    }
    await phqCard.getByText(/^4 of 10 answered/).waitFor();
    expect(await phqCard.textContent()).not.toMatch(/Several days|More than half|Nearly every/);
    await expectAccessible(patient, 'question');
    await expectNoHorizontalScroll(patient);
    await screenshot(patient, 'checkin-question-phone');

    // A reload halfway loses nothing: back at question 5 with answers 1–4 in place.
    await patient.reload();
    await panel.getByText('Question 5 of 10').waitFor({ timeout: 20_000 });
    await panel.getByRole('progressbar', { name: '4 of 10 answered' }).waitFor();
    await panel.getByRole('button', { name: 'Back' }).click();
    await panel.getByText('Question 4 of 10').waitFor();
    expect(await panel.getByRole('radio', { name: PHQ9_OPTIONS[VISIT2_SCORES[3]!] }).isChecked()).toBe(true);
    await panel.getByRole('button', { name: 'Next' }).click();

    // Hide blanks the panel at once; a tap brings it back. Escape hides too; Enter brings it back.
    await panel.getByRole('button', { name: 'Hide' }).click();
    const cover = patient.getByTestId('checkin-cover');
    await cover.waitFor();
    expect(await patient.getByText('Question 5 of 10').count()).toBe(0);
    expect(await patient.getByText(/PHQ|Patient Health/).count()).toBe(0);
    await screenshot(patient, 'checkin-hidden-phone');
    await expectAccessible(patient, 'hidden panel');
    await cover.getByRole('button').click();
    await panel.getByText('Question 5 of 10').waitFor();
    await patient.keyboard.press('Escape');
    await cover.waitFor();
    expect(await patient.getByText('Question 5 of 10').count()).toBe(0);
    await patient.keyboard.press('Enter');
    await panel.getByText('Question 5 of 10').waitFor();

    // The connection drops while answering question 5: the answer stays on screen and is saved once it is back.
    await patientCtx.setOffline(true);
    await panel.getByRole('radio', { name: PHQ9_OPTIONS[VISIT2_SCORES[4]!] }).check();
    await panel.getByTestId('checkin-save').filter({ hasText: 'no connection' }).waitFor();
    await patientCtx.setOffline(false);
    await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor({ timeout: 30_000 });
    await phqCard.getByText(/^5 of 10 answered/).waitFor();

    // Questions 5–9 by keyboard alone: focus the choice, Space to choose, Enter for "Next".
    for (let i = 4; i < 9; i++) {
      await panel.getByText(`Question ${i + 1} of 10`).waitFor();
      const radio = panel.getByRole('radio', { name: PHQ9_OPTIONS[VISIT2_SCORES[i]!] });
      await radio.focus();
      await patient.keyboard.press('Space');
      expect(await radio.isChecked()).toBe(true);
      await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor();
      await patient.keyboard.press('Enter'); // submits the step form: Next
    }

    // Item 9 answered "Several days": crisis resources at once for the patient...
    const crisis = panel.getByTestId('crisis-resources');
    await crisis.waitFor();
    expect(await crisis.getAttribute('role')).toBe('alert');
    expect(await crisis.getByRole('link', { name: /988/ }).first().getAttribute('href')).toBe('tel:988');
    await expectAccessible(patient, 'crisis resources');
    await screenshot(patient, 'checkin-crisis-phone');

    // ...and the clinician's screen is interrupted by the safety alert before anything is shared.
    const alert = doctor.getByTestId('safety-alert');
    await alert.waitFor({ timeout: 5000 });
    expect(await alert.getAttribute('role')).toBe('alertdialog');
    await alert.getByText(/item 9/).waitFor();
    await expect.poll(() => doctor.evaluate(() => document.activeElement?.closest('[data-testid="safety-alert"]') !== null)).toBe(true);
    await doctor.keyboard.press('Escape'); // cannot be dismissed
    await alert.waitFor();
    expect(await phqCard.textContent()).not.toMatch(/Several days/);
    await expectAccessible(doctor, 'safety alert');
    await screenshot(doctor, 'checkin-safety-alert-desktop');
    await alert.getByRole('button', { name: /acknowledge/ }).click();
    await alert.waitFor({ state: 'detached' });
    await phqCard.getByTestId('alert-acknowledged').filter({ hasText: 'Dr. Ife Okafor' }).waitFor();

    // The difficulty question, then review and share.
    await panel.getByText('Question 10 of 10').waitFor();
    await panel.getByRole('radio', { name: 'Somewhat difficult' }).check();
    await panel.getByRole('button', { name: 'Review and share' }).click();
    await panel.getByRole('heading', { name: 'Ready to share?' }).waitFor();
    await panel.getByText('You answered 10 of 10 questions.').waitFor();
    // The review lists what is about to be shared, answer by answer.
    await panel.getByTestId('checkin-review-list').getByRole('button', { name: /How difficult.*Somewhat difficult/ }).waitFor();
    await expectAccessible(patient, 'review');
    await screenshot(patient, 'checkin-review-phone');
    await panel.getByRole('button', { name: 'Share with my clinician' }).click();
    await panel.getByTestId('checkin-done').waitFor();
    await panel.getByTestId('crisis-resources').waitFor();
    await panel.getByRole('button', { name: 'Close' }).click();

    // The clinician sees the server's total and band, in words and bars, not colour alone.
    await phqCard.getByTestId('result-total').filter({ hasText: '10 of 27' }).waitFor();
    await phqCard.getByTestId('result-band').getByText('Moderate').waitFor();
    expect(await phqCard.getByRole('row').count()).toBe(11); // header + 10 items
    await phqCard.getByRole('cell', { name: 'Somewhat difficult' }).waitFor();

    // The sexual-health check-in: all its questions, the multiple choice and a private note.
    // Another sensitive set: the safety question comes first again.
    await panel.getByRole('heading', { name: 'Is it safe to talk right now?' }).waitFor();
    await panel.getByRole('button', { name: 'Yes, continue' }).click();
    await panel.getByRole('heading', { name: 'Sexual health check-in' }).waitFor();
    await panel.getByRole('radio', { name: 'Somewhat dissatisfied' }).check();
    await panel.getByRole('button', { name: 'Next' }).click();
    await panel.getByRole('checkbox', { name: /Interest in sex/ }).check();
    await panel.getByRole('checkbox', { name: /Orgasm/ }).check();
    await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor();
    await panel.getByRole('button', { name: 'Next' }).click();
    await panel.getByRole('radio', { name: 'Yes' }).check();
    await panel.getByRole('button', { name: 'Next' }).click();
    await panel.getByRole('radio', { name: 'Quite a bit' }).check();
    await panel.getByRole('button', { name: 'Next' }).click();
    await panel.getByRole('checkbox', { name: /Sexual function/ }).check();
    await panel.getByRole('button', { name: 'Next' }).click();
    await panel.getByRole('textbox').fill('Since the new tablets things feel different.');
    await panel.getByTestId('checkin-save').filter({ hasText: 'Saved' }).waitFor();
    await expectAccessible(patient, 'free text');
    await screenshot(patient, 'checkin-text-phone');
    // The same panel on a laptop sits beside the video.
    await patient.setViewportSize(DESKTOP);
    await expectAccessible(patient, 'panel on a laptop');
    await screenshot(patient, 'checkin-text-desktop');
    await patient.setViewportSize(PHONE);
    await panel.getByRole('button', { name: 'Review and share' }).click();
    await panel.getByRole('button', { name: 'Share with my clinician' }).click();
    await panel.getByTestId('checkin-done').waitFor();
    await panel.getByRole('button', { name: 'Close' }).click();
    await patient.getByTestId('checkin-panel').waitFor({ state: 'detached' });

    await shCard.getByTestId('checkin-result').waitFor();
    await shCard.getByText(/links a sexual-health change to a medicine/).waitFor();
    await shCard.getByRole('cell', { name: 'Since the new tablets things feel different.' }).waitFor();
    await expectAccessible(doctor, 'results');
    await screenshot(doctor, 'checkin-results-desktop');
    // The side panel at readable size, as the clinician sees it beside the video.
    await phqCard.screenshot({ path: path.join(SCREENSHOTS, 'checkin-result-card-desktop.png') });
    // A clinician on a phone: the results fit the width too.
    await doctor.setViewportSize(PHONE);
    await expect
      .poll(() => doctor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
      .toBeLessThanOrEqual(0);
    await screenshot(doctor, 'checkin-results-clinician-phone');
    await doctor.setViewportSize(DESKTOP);

    // The history page: two visits of PHQ-9 on the chart and in its table, and the item-by-visit grid.
    const link = doctor.getByRole('link', { name: /Check-in history/ });
    const href = await link.getAttribute('href');
    expect(href).toBe(`/patients/${patientId}`);
    const history = await clinicianCtx.newPage();
    await history.goto(href as string);
    await history.getByRole('heading', { name: /Robin/, level: 1 }).waitFor();
    expect(await history.title()).toBe('Patient chart · Alcove');
    const phqHistory = history.getByTestId('history-phq-9');
    await phqHistory.getByTestId('trend-chart').locator('.recharts-line').first().waitFor();
    const dots = phqHistory.getByRole('button', { name: /total \d+/ });
    await expect.poll(() => dots.count()).toBe(2);
    expect(await dots.first().getAttribute('aria-label')).toMatch(/total 20, Severe/);
    expect(await dots.nth(1).getAttribute('aria-label')).toMatch(/total 10, Moderate/);
    expect(await phqHistory.locator('.recharts-reference-area').count()).toBe(5);
    expect(await phqHistory.locator('table.history-table tbody tr').count()).toBe(2);
    // A point opens that visit's answers; by keyboard too.
    await dots.first().click();
    await phqHistory.getByRole('heading', { name: /Answers on/ }).waitFor();
    await phqHistory.locator('.history-items').getByRole('cell', { name: 'Nearly every day' }).first().waitFor();
    await dots.nth(1).focus();
    await history.keyboard.press('Enter');
    await phqHistory.locator('.history-items').getByRole('cell', { name: 'Somewhat difficult' }).waitFor();
    const grid = history.getByTestId('item-grid');
    await grid.getByRole('columnheader').nth(2).waitFor();
    await grid.getByRole('cell', { name: /Somewhat dissatisfied/ }).waitFor();
    await expectAccessible(history, 'history page');
    await screenshot(history, 'checkin-history-desktop');
    await history.setViewportSize(PHONE);
    // The chart follows the new width after a resize observer tick; the wide grid scrolls inside its own box.
    await expect
      .poll(() => history.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth))
      .toBeLessThanOrEqual(0);
    await expectAccessible(history, 'history page on a phone');
    await screenshot(history, 'checkin-history-phone');

    // Nothing the patient answered or wrote reached the server's log.
    for (const secret of ['Since the new tablets', 'LA6569-3', 'somewhat-dissatisfied', 'quite-a-bit'])
      expect(server.output()).not.toContain(secret);

    await patientCtx.close();
    await clinicianCtx.close();
  }, 240_000);
});
