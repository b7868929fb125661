import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHONE, hasChromium, launchBrowser, newContext, screenshot, seriousA11yViolations, signInOnPage } from '../helpers/browser';
import { startServerProcess, type ServerProcess } from '../helpers/server-process';
import { ApiClient, createVisitAsScheduler, clinicStaff } from '../helpers/visit-setup';

/*
 * Wrong dates of birth from many addresses lock a visit's link for everyone, the real patient
 * included. The clinician sees it on the visit page (on a phone here) and lifts it in one tap; the
 * patient's right date of birth then gets in. TRUST_PROXY lets each guess name its own address.
 */
const DOB = '1990-03-14';

describe.skipIf(!hasChromium)('a link locked by wrong dates of birth', () => {
  let server: ServerProcess;
  let browser: Browser;
  let scheduler: ApiClient;
  let clinicianId: string;
  let clinicianPassword: string;

  beforeAll(async () => {
    server = await startServerProcess('e2e-door-lock', { TRUST_PROXY: 'true', JOIN_LIMIT_PER_ADDRESS: '1000' });
    ({ scheduler, clinicianId, clinicianPassword } = await clinicStaff(server));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the clinician sees the lock on the visit page and unlocks it; the patient then gets in', async () => {
    const visit = await createVisitAsScheduler(scheduler, { clinicianIds: [clinicianId], dateOfBirth: DOB });
    const token = visit.joinPath.split('/').pop();
    const join = (dateOfBirth: string, address: string) =>
      fetch(`${server.url}/api/join`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': address },
        body: JSON.stringify({ token, dateOfBirth }),
      }).then((r) => r.status);

    // Five wrong guesses from each of four addresses: the link's limit (20) is reached.
    for (let a = 1; a <= 4; a++) for (let i = 0; i < 5; i++) expect(await join('1980-01-01', `198.51.100.${a}`)).toBe(403);
    // The real patient, from an address that never guessed, is kept out too.
    expect(await join(DOB, '203.0.113.7')).toBe(429);

    const ctx = await newContext(browser, PHONE, server.url);
    const page = await ctx.newPage();
    await signInOnPage(page, 'rivera@clinic.test', clinicianPassword);
    await page.goto(`/visits/${visit.visitId}`);
    const notice = page.getByTestId('link-locked');
    await notice.getByText('The join link is locked.').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'visit-link-locked-375');

    // By keyboard: focus the button and press Enter.
    await notice.getByRole('button', { name: 'Unlock the link' }).focus();
    await page.keyboard.press('Enter');
    await notice.waitFor({ state: 'detached' });
    expect(await join(DOB, '203.0.113.7')).toBe(200);

    // The unlock is on the trail, naming who did it.
    const admin = new ApiClient(server.url);
    await admin.signIn(server.admin.email, server.admin.password);
    const trail = await admin.request<{ entries: { actorId: string | null; visitId: string | null }[] }>('GET', '/api/audit?action=dob.unlocked');
    expect(trail.status).toBe(200);
    expect(trail.body.entries.map((e) => [e.actorId, e.visitId])).toEqual([[clinicianId, visit.visitId]]);
    await ctx.close();
  });
});
