import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

describe.skipIf(!hasChromium)('staff accounts in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServerProcess('e2e-staff-accounts');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('an admin invites a clinician, who sets their own password from the link and signs in; deactivation ends their open page at once', async () => {
    const adminContext = await newContext(browser, DESKTOP, server.url);
    const admin = await adminContext.newPage();
    await admin.goto('/signin');
    await admin.getByLabel('Email').fill(server.admin.email);
    await admin.getByLabel('Password').fill(server.admin.password);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL('**/');
    await admin.goto('/admin/staff');
    await admin.getByLabel('Full name').fill('Dr. Jordan Lee');
    await admin.getByLabel('Email', { exact: true }).fill('jordan.lee@clinic.test');
    await admin.getByLabel('Role', { exact: true }).selectOption('clinician');
    await admin.getByRole('button', { name: 'Add staff member' }).click();
    const link = (await admin.getByTestId('issued-link').textContent()) ?? '';
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    await admin.locator('td', { hasText: 'Invited' }).waitFor();
    expect(await seriousA11yViolations(admin)).toEqual([]);

    // The clinician, on a phone.
    const clinicianContext = await newContext(browser, PHONE, server.url);
    const clinician = await clinicianContext.newPage();
    await clinician.goto(new URL(link).pathname);
    await clinician.getByRole('heading', { name: 'Set your password' }).waitFor();
    expect(await clinician.getByText('jordan.lee@clinic.test').count()).toBe(1);
    expect(await seriousA11yViolations(clinician)).toEqual([]);
    await screenshot(clinician, 'invitation-phone');
    await clinician.getByLabel('New password').fill('password1234');
    await clinician.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect.poll(() => clinician.locator('.field-error').textContent()).toContain('too easy to guess');
    await clinician.getByLabel('New password').fill('harbour lantern quartz maple');
    await clinician.getByRole('button', { name: 'Set password and sign in' }).click();
    await clinician.waitForURL((u) => u.pathname === '/');
    await clinician.goto('/today');
    await clinician.getByRole('heading', { name: 'Today', level: 1 }).waitFor();

    // The same link does not work twice.
    const again = await clinicianContext.newPage();
    await again.goto(new URL(link).pathname);
    await again.getByText('already been used').waitFor();
    await again.close();

    // The admin sees the account active and signed in, then deactivates it: the clinician's open page is signed out without a reload.
    await admin.reload();
    await admin.locator('tr', { hasText: 'jordan.lee@clinic.test' }).locator('td', { hasText: 'Active' }).waitFor();
    admin.once('dialog', (d) => void d.accept());
    await admin.getByRole('button', { name: 'Deactivate jordan.lee@clinic.test' }).click();
    await admin.locator('tr', { hasText: 'jordan.lee@clinic.test' }).locator('td', { hasText: 'Deactivated' }).waitFor();
    await clinician.waitForURL('**/signin', { timeout: 10_000 });
    await adminContext.close();
    await clinicianContext.close();
  });
});
