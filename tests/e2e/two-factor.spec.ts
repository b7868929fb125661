import { Secret, TOTP } from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient } from '../helpers/visit-setup';

/** The code an authenticator app with this secret shows `stepsAhead` 30-second steps from now. */
const codeAt = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });

describe.skipIf(!hasChromium)('two-step sign-in in a real browser', () => {
  const clinician = { email: 'okafor@clinic.test', name: 'Dr. Ada Okafor', password: 'lantern meadow quartz violin' };
  let server: ServerProcess;
  let browser: Browser;

  beforeAll(async () => {
    // The clinic requires a second factor for clinicians: the first sign-in goes through enrolment.
    server = await startServerProcess('e2e-two-factor', { REQUIRE_2FA_FOR: 'clinician' });
    // The clinician's account, built through the API: the admin invites, the invitation sets the password.
    const admin = new ApiClient(server.url);
    await admin.signIn(server.admin.email, server.admin.password);
    const invited = await admin.request<{ invitation: { url: string } }>('POST', '/api/staff', {
      email: clinician.email,
      name: clinician.name,
      role: 'clinician',
    });
    const token = invited.body.invitation.url.split('/invite/')[1];
    const accepted = await new ApiClient(server.url).request('POST', '/api/auth/invitation/accept', {
      token,
      password: clinician.password,
    });
    expect(accepted.status).toBe(200);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a clinician is sent to set up an authenticator app at sign-in, saves the recovery codes, then signs out and back in with a code (375 px)', async () => {
    const context = await newContext(browser, PHONE, server.url);
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Email').fill(clinician.email);
    await page.getByLabel('Password').fill(clinician.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
    // What a person types into the app when they cannot scan: the key shown for manual entry.
    const shown = (await page.locator('.totp-secret').textContent()) ?? '';
    const secret = shown.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'two-factor-enrol-phone');

    await page.getByLabel('6-digit code from the app').fill(codeAt(secret));
    await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    expect(await codes.count()).toBe(10);
    expect(await seriousA11yViolations(page)).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/signin');
    await page.getByLabel('Email').fill(clinician.email);
    await page.getByLabel('Password').fill(clinician.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-step sign-in' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'two-factor-code-phone');
    // The code the enrolment used is spent; the app's next one is not.
    await page.getByLabel('Code from your authenticator app').fill(codeAt(secret, 1));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Today' }).waitFor();

    // The account page says it is on, and how many recovery codes are left.
    await page.getByRole('link', { name: 'Two-step sign-in' }).click();
    await page.getByRole('heading', { name: 'Two-step sign-in', level: 1 }).waitFor();
    await expect.poll(() => page.locator('.page').textContent()).toContain('Recovery codes left: 10');
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'two-factor-account-phone');
    await context.close();
  });
});
