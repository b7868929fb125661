import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

describe.skipIf(!hasChromium)('staff sign-in in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServerProcess('e2e-sign-in');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the first start prints a one-time setup link, never a password', () => {
    expect(server.output()).toMatch(/\/invite\/[A-Za-z0-9_-]{43}/);
    expect(server.output()).not.toMatch(/password:/i);
    expect(server.admin.email).toBe('admin@clinic.test');
  });

  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`an admin signs in, adds a clinician, and signs out (${label})`, async () => {
      const context = await newContext(browser, viewport, server.url);
      const page = await context.newPage();
      await page.goto('/');
      await page.waitForURL('**/signin');
      await expect.poll(() => page.title()).toBe('Sign in · Alcove');
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `sign-in-${label}`);

      await page.getByLabel('Email').fill(server.admin.email);
      await page.getByLabel('Password').fill('wrong password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('do not match');

      await page.getByLabel('Password').fill(server.admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL('**/admin/staff');
      await page.getByRole('heading', { name: 'Staff', level: 1 }).waitFor();
      await expect.poll(() => page.title()).toBe('Staff · Alcove');

      await page.getByLabel('Full name').fill(`Dr. Rivera ${label}`);
      await page.getByLabel('Email', { exact: true }).fill(`rivera-${label}@clinic.test`);
      await page.getByLabel('Role', { exact: true }).selectOption('clinician');
      await page.getByRole('button', { name: 'Add staff member' }).click();
      await page.getByTestId('issued-link').waitFor();
      expect(await page.getByTestId('issued-link').textContent()).toContain('/invite/');
      await page
        .locator('td', { hasText: `rivera-${label}@clinic.test` })
        .first()
        .waitFor();
      expect(await seriousA11yViolations(page)).toEqual([]);
      await screenshot(page, `staff-admin-${label}`);

      // The layout must fit a phone: no horizontal scrolling of the page itself.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL('**/signin');
      await context.close();
    });
  }

  it("an admin resets a password (shown once); a duplicate email is refused; after sign-out the next person sees none of the admin's data", async () => {
    const context = await newContext(browser, DESKTOP, server.url);
    const page = await context.newPage();
    await page.goto('/admin/staff');
    await page.waitForURL('**/signin');
    await page.getByLabel('Email').fill(server.admin.email);
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/admin/staff');

    await page.getByLabel('Full name').fill('Casey Kim');
    await page.getByLabel('Email', { exact: true }).fill('casey@clinic.test');
    await page.getByRole('button', { name: 'Add staff member' }).click();
    const first = await page.getByTestId('issued-link').textContent();
    await page.locator('td', { hasText: 'casey@clinic.test' }).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('issued-link').count()).toBe(0);

    await page.getByLabel('Full name').fill('Casey Again');
    await page.getByLabel('Email', { exact: true }).fill('casey@clinic.test');
    await page.getByRole('button', { name: 'Add staff member' }).click();
    await page.getByText('An account with this email already exists').waitFor();
    expect(await page.getByTestId('issued-link').count()).toBe(0);

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'New invitation link for casey@clinic.test' }).click();
    await page.getByText('New link issued for').waitFor();
    const reset = (await page.getByTestId('issued-link').textContent()) ?? '';
    expect(reset).toContain('/invite/');
    expect(reset).not.toBe(first);

    // Signing out returns to this page after the next sign-in, without a reload: a clinician gets a refusal, not the cached list.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin');
    // Casey opens the newest link and chooses a password; the first link no longer works.
    await page.goto(new URL(reset).pathname);
    await page.getByLabel('New password').fill('casey tulip orbit canvas');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.locator('.user-name').waitFor();
    await page.goto('/admin/staff');
    await page.getByRole('alert').waitFor();
    expect(await page.locator('td', { hasText: server.admin.email }).count()).toBe(0);
    expect(await page.locator('.user-name').textContent()).toContain('Casey Kim');
    await context.close();
  });
});
