import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSENT_VERSION } from '@shared/api/waiting-room.schema';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

const ZONE = 'America/New_York'; // the browser context's zone (tests/helpers/browser.ts)

interface Account {
  id: string;
  email: string;
  name: string;
  password: string;
}

/** A tiny API client for setup that the browser test is not about (accounts, a second visit). */
async function apiSession(base: string, email: string, password: string) {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** The date and time inputs for `d` as the browser (in ZONE) shows them. */
function localInputs(d: Date): { date: string; time: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: ZONE,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** A start time later today in ZONE (or just past, if today is nearly over), on a 5-minute step. */
function startToday(offsetMinutes: number): Date {
  const step = 5 * 60_000;
  const later = new Date(Math.ceil((Date.now() + offsetMinutes * 60_000) / step) * step);
  if (localInputs(later).date === localInputs(new Date()).date) return later;
  return new Date(Math.floor((Date.now() - offsetMinutes * 60_000) / step) * step);
}

/** Signs in from the start page, so each role lands where the app sends it. */
async function signIn(page: Page, who: { email: string; password: string }, landing: string) {
  await page.goto('/');
  await page.waitForURL('**/signin');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`**${landing}`);
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL('**/signin');
}

async function noHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

describe.skipIf(!hasChromium)('scheduling in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: Account;
  let careTeam: Account[];
  let outsider: Account;

  beforeAll(async () => {
    server = await startServerProcess('e2e-schedule');
    browser = await launchBrowser();
    const admin = await apiSession(server.url, server.admin.email, server.admin.password);
    const add = async (role: string, name: string, email: string): Promise<Account> => {
      const r = await admin<{ staff: { id: string }; invitation: { url: string } }>('POST', '/api/staff', { role, name, email });
      // The person sets their own password through the one-time link.
      const password = 'harbour lantern quartz maple';
      const accepted = await fetch(`${server.url}/api/auth/invitation/accept`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: r.invitation.url.split('/invite/')[1], password }),
      });
      if (!accepted.ok) throw new Error(`invitation refused: ${accepted.status}`);
      return { id: r.staff.id, email, name, password };
    };
    scheduler = await add('scheduler', 'Sam Scheduler', 'sam@clinic.test');
    careTeam = [
      await add('clinician', 'Dr. Priya Natarajan', 'priya@clinic.test'),
      await add('clinician', 'Alex Rivera, LMFT', 'alex@clinic.test'),
    ];
    outsider = await add('clinician', 'Dr. Morgan Lee', 'morgan@clinic.test');
    // The outsider has a visit of their own today, so their page is not simply empty.
    const api = await apiSession(server.url, scheduler.email, scheduler.password);
    const p = await api<{ patient: { id: string } }>('POST', '/api/patients', {
      displayName: 'Other Patient Person',
      preferredName: 'Otto',
    });
    await api('POST', '/api/visits', {
      patientId: p.patient.id,
      clinicianIds: [outsider.id],
      startsAt: startToday(90).toISOString(),
      durationMinutes: 20,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`a scheduler creates a patient and a visit for two clinicians and copies the link; only the care team sees it today (${label})`, async () => {
      const context = await newContext(browser, viewport, server.url);
      const page = await context.newPage();
      const fullName = `Taylor Morgan ${label}`;
      const preferred = `Tay ${label}`;
      const reason = `Staff-only reason ${label}`;

      await signIn(page, scheduler, '/schedule');
      await page.getByRole('heading', { name: 'Schedule', level: 1 }).waitFor();
      await expect.poll(() => page.title()).toBe('Schedule · Alcove');
      // The outsider's visit, made through the API, is on the scheduler's day.
      await page.locator('li.visit-item', { hasText: 'Otto' }).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `schedule-${label}`);

      await page.getByRole('button', { name: 'New visit' }).click();
      await page.getByRole('heading', { name: 'New visit' }).waitFor();

      // Inline validation before anything is sent.
      await page.getByRole('button', { name: 'Create visit' }).click();
      await page.getByText('Choose a patient, or create one').waitFor();
      await page.getByText('Choose at least one clinician').waitFor();
      expect(await page.getByRole('searchbox', { name: 'Patient' }).getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('search');

      // Search as you type finds an existing patient; an empty box shows no results.
      const search = page.getByRole('searchbox', { name: 'Patient' });
      await search.fill('Other Pat');
      await page.getByRole('button', { name: /Otto \(Other Patient Person\)/ }).waitFor();
      await page.getByRole('status').filter({ hasText: '1 patient found' }).waitFor();
      await search.fill('Nobody By This Name');
      await page.getByText('No patient matches “Nobody By This Name”.').waitFor();
      await search.fill('');
      expect(await page.getByRole('list', { name: 'Matching patients' }).locator('li').count()).toBe(0);

      // Quick-create the patient from the picker.
      await page.getByRole('button', { name: 'New patient' }).click();
      await page.getByLabel('Full name').fill(fullName);
      await page.getByLabel('Preferred name (optional)').fill(preferred);
      await page.getByLabel('Pronouns (optional)').fill('they/them');
      await page.getByLabel('Date of birth (optional)').fill('1990-04-12');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `schedule-new-patient-${label}`);
      await page.getByRole('button', { name: 'Create patient' }).click();
      await page.getByText(`${preferred} (${fullName})`).waitFor();

      for (const c of careTeam) await page.getByLabel(c.name, { exact: true }).check();
      const start = startToday(10);
      const when = localInputs(start);
      await page.getByLabel('Date', { exact: true }).fill(when.date);
      await page.getByLabel('Start time').fill(when.time);
      await page.getByLabel('Length in minutes').fill('500');
      await page.getByLabel('Reason (optional, staff only)').fill(reason);
      await page.getByRole('button', { name: 'Create visit' }).click();
      await page.getByText('Enter whole minutes from 5 to 480').waitFor();
      await page.getByLabel('Length in minutes').fill('45');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `schedule-visit-form-${label}`);
      await page.getByRole('button', { name: 'Create visit' }).click();

      // The link is shown once: copy it.
      await page.getByRole('heading', { name: 'Visit created' }).waitFor();
      const url = await page.getByLabel('Patient link', { exact: true }).inputValue();
      expect(url).toMatch(new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/join/[A-Za-z0-9_-]{43}$`));
      await page.getByRole('button', { name: 'Copy link' }).click();
      await page.getByRole('status').filter({ hasText: 'Link copied' }).waitFor();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

      // The patient's invite carries that link, a neutral title, and not the reason.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download patient invite' }).click(),
      ]);
      const ics = fs.readFileSync((await download.path()) ?? '', 'utf8').replace(/\r\n[ \t]/g, '');
      expect(download.suggestedFilename()).toBe('appointment.ics');
      expect(ics).toContain('SUMMARY:Video appointment');
      expect(ics).toContain(`URL:${url}`);
      expect(ics).not.toContain('reason');
      expect(ics).not.toContain('Taylor');

      const item = page.locator('li.visit-item', { hasText: preferred });
      await item.waitFor();
      await expect.poll(() => item.textContent()).toContain('Scheduled');
      await expect
        .poll(() => item.textContent())
        .toContain(
          `With ${careTeam
            .map((c) => c.name)
            .sort()
            .join(', ')}`,
        );
      expect(await item.textContent()).not.toContain(reason);
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `schedule-created-${label}`);
      await noHorizontalScroll(page);

      // The week view shows it too; a new link needs confirming and replaces the old one.
      await page.getByRole('button', { name: 'Week' }).click();
      await item.waitFor();
      await item.getByRole('button', { name: 'New link' }).click();
      await page.getByRole('dialog', { name: 'Issue a new patient link?' }).waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `schedule-reissue-dialog-${label}`);
      await page.getByRole('button', { name: 'Issue new link' }).click();
      await page.getByRole('heading', { name: 'New patient link issued' }).waitFor();
      const newUrl = await page.getByLabel('Patient link', { exact: true }).inputValue();
      expect(newUrl).not.toBe(url);
      const old = await fetch(`${server.url}/api/join`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: url.split('/').pop() }),
      });
      expect(old.status).toBe(410);
      const fresh = await fetch(`${server.url}/api/join`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ token: newUrl.split('/').pop(), dateOfBirth: '1990-04-12' }),
      });
      expect(fresh.status).toBe(200);
      const patient = {
        cookie: fresh.headers
          .getSetCookie()
          .map((c) => c.split(';')[0])
          .join('; '),
        visitId: ((await fresh.json()) as { visit: { id: string } }).visit.id,
      };
      await page.getByRole('button', { name: 'Done' }).click();
      await noHorizontalScroll(page);
      await signOut(page);

      // Each clinician on the care team sees the visit on today's page.
      for (const clinician of careTeam) {
        await signIn(page, clinician, '/today');
        await page.getByRole('heading', { name: 'Today', level: 1 }).waitFor();
        await expect.poll(() => page.title()).toBe('Today · Alcove');
        const mine = page.locator('li.visit-item', { hasText: preferred });
        await mine.waitFor();
        expect(await mine.textContent()).toContain('Scheduled');
        const open = mine.getByRole('link', { name: /Open visit/ });
        expect(await open.getAttribute('href')).toBe(`/visits/${patient.visitId}`);
        if (clinician === careTeam[0]) {
          // The patient consents and enters the waiting room: the badge appears without a reload.
          expect(await mine.getByText('Patient waiting').count()).toBe(0);
          for (const [path, body] of [
            [`/api/visits/${patient.visitId}/consent`, { version: CONSENT_VERSION, accepted: true }],
            [`/api/visits/${patient.visitId}/waiting-room`, undefined],
          ] as const) {
            const r = await fetch(`${server.url}${path}`, {
              method: 'POST',
              headers: { cookie: patient.cookie, ...(body ? { 'Content-Type': 'application/json' } : {}) },
              body: body ? JSON.stringify(body) : undefined,
            });
            expect(r.status, path).toBe(200);
          }
          await mine.getByText('Patient waiting').waitFor();
        } else {
          // Already waiting when the page loads.
          await mine.getByText('Patient waiting').waitFor();
        }
        // The same page for both: axe once is enough (it takes seconds per run).
        if (clinician === careTeam[0]) expect(await seriousA11yViolations(page)).toEqual([]);
        await noHorizontalScroll(page);
        await screenshot(page, `today-${clinician.email.split('@')[0]}-${label}`);
        await signOut(page);
      }

      // A clinician who is not on it does not.
      await signIn(page, outsider, '/today');
      await page.locator('li.visit-item', { hasText: 'Otto' }).waitFor();
      expect(await page.locator('main').textContent()).not.toContain('Tay');
      expect(await page.locator('main').textContent()).not.toContain('Taylor');
      await screenshot(page, `today-outsider-${label}`);
      await signOut(page);
      await context.close();
    }, 180_000);
  }
});
