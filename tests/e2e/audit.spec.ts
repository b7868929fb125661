import SQLite from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';

describe.skipIf(!hasChromium)('audit trail screen in a real browser', () => {
  let server: ServerProcess;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServerProcess('e2e-audit');
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const [label, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    it(`an admin filters the trail, verifies the chain and downloads CSV (${label})`, async () => {
      const context = await newContext(browser, viewport, server.url);
      const page = await context.newPage();
      await page.goto('/signin');
      await page.getByLabel('Email').fill(server.admin.email);
      await page.getByLabel('Password').fill(server.admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => !u.pathname.startsWith('/signin'));

      if (label === 'desktop') await page.getByRole('link', { name: 'Audit' }).click();
      else await page.goto('/admin/audit');
      await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
      await expect.poll(() => page.title()).toBe('Audit trail · Alcove');
      await page.locator('td', { hasText: 'Signed in' }).first().waitFor();

      await page.getByLabel('Action').selectOption('auth.sign_in');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(async () => (await page.locator('tbody tr').allTextContents()).every((r) => r.includes('Signed in'))).toBe(true);

      await page.getByLabel('Actor id').fill('not-an-id');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => page.locator('.field-error').first().textContent()).toBeTruthy();
      expect(await page.getByLabel('Actor id').getAttribute('aria-invalid')).toBe('true');
      await page.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(() => page.getByLabel('Actor id').getAttribute('aria-invalid')).toBe('false');

      await page.getByRole('button', { name: 'Verify chain' }).click();
      await expect.poll(() => page.getByRole('status').filter({ hasText: 'Chain intact' }).count()).toBe(1);

      const href = await page.getByRole('link', { name: /Export CSV/ }).getAttribute('href');
      expect(href).toMatch(/^\/api\/audit\.csv/);
      const csv = await page.evaluate(async (h) => (await fetch(h as string)).text(), href);
      expect(csv.split('\r\n')[0]).toMatch(/^seq,at,actorKind,actorId,action/);
      expect(csv).toContain('auth.sign_in');

      expect(await seriousA11yViolations(page)).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await screenshot(page, `audit-${label}`);
      await context.close();
    });
  }

  it('"Load more" appends the next page of a long trail; a filter starts the list over', async () => {
    const context = await newContext(browser, DESKTOP, server.url);
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Email').fill(server.admin.email);
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
    // Every read of the trail is itself audited: enough reads make more than one page (100 entries).
    await page.evaluate(async () => {
      for (let i = 0; i < 110; i++) await fetch('/api/audit?limit=1');
    });
    await page.goto('/admin/audit');
    const status = page.getByRole('status').filter({ hasText: 'shown' });
    await expect.poll(() => status.textContent()).toBe('100 entries shown, more available');
    const firstSeq = await page.locator('tbody tr td').first().textContent();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(100);
    expect(await page.locator('tbody tr td').first().textContent()).toBe(firstSeq);
    const seqs = (await page.locator('tbody tr td:first-child').allTextContents()).map(Number);
    expect(new Set(seqs).size).toBe(seqs.length);

    await page.getByLabel('Action').selectOption('auth.sign_in');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(async () => (await page.locator('tbody tr').allTextContents()).every((r) => r.includes('Signed in'))).toBe(true);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: /Export CSV/ }).getAttribute('href')).toBe('/api/audit.csv?action=auth.sign_in');
    await context.close();
  });

  it('after someone edits a row in the database, "Verify chain" names the broken entry', async () => {
    const file = server.databaseUrl.slice('sqlite:'.length);
    const raw = new SQLite(file);
    raw.pragma('busy_timeout = 5000');
    raw.exec('drop trigger audit_log_no_update');
    const victim = raw.prepare('select id, seq from audit_log order by seq limit 1').get() as { id: string; seq: number };
    raw.prepare("update audit_log set action = 'auth.sign_out' where id = ?").run(victim.id);
    raw.close();

    const context = await newContext(browser, DESKTOP, server.url);
    const page = await context.newPage();
    await page.goto('/signin');
    await page.getByLabel('Email').fill(server.admin.email);
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
    await page.goto('/admin/audit');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Chain broken' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain(victim.id);
    expect(await alert.textContent()).toContain(`entry ${victim.seq}`);
    await screenshot(page, 'audit-broken');
    await context.close();
  });
});
