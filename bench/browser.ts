/**
 * The front door in a real browser (issue 12): for the patient's join page (up to its date-of-birth
 * form) and the staff sign-in page, the script bytes that crossed the wire before the form was
 * usable and the time from navigation start to a usable form — on loopback, and on Chrome's
 * "Slow 4G" preset with the CPU slowed 4× (both through the DevTools protocol, as DevTools does).
 * Each run is a fresh browser context (cold cache) against the app serving a production build.
 * Figures only, never asserted; the budgets are enforced by scripts/check-size.mjs.
 *
 * `npm run bench` runs it; `tsx bench/browser.ts` runs it alone. BENCH_CLIENT_DIR measures an
 * existing build instead of building the current sources into a temporary folder; BENCH_TIMELINE=1
 * prints every run's requests (start → end, bytes) to see where the time goes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { createApp } from '../server/app';
import { loadConfig } from '../server/config';
import { openDatabase } from '../server/db/database';
import { migrateToLatest } from '../server/db/migrate';
import { createLogger } from '../server/logger';
import { createStaffAccount } from '../server/staff/staff.service';
import { hasChromium, launchBrowser, PHONE } from '../tests/helpers/browser';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Chrome DevTools' "Slow 4G" preset (the former "Fast 3G"): 562.5 ms latency, ~1.44 Mbit/s down, ~675 kbit/s up. */
const SLOW_4G = { offline: false, latency: 562.5, downloadThroughput: 180_000, uploadThroughput: 84_375 };
const CPU_SLOWDOWN = 4;
const RUNS = { loopback: 5, slow: 3 };

interface Sample {
  /** ms from navigation start until the form could be filled in and sent. */
  usableMs: number;
  /** Script bytes on the wire (headers + possibly compressed body) fetched before then. */
  scriptBytes: number;
  scriptFiles: number;
  /** Script bytes fetched in the whole first `settle` window, for comparison (prefetches show here). */
  allScriptBytes: number;
}

/**
 * Run in the page before any of its own code (init scripts are exempt from the page's CSP, and
 * plain text keeps tsx's helpers out of the page): records when `ready()` first holds. A form is
 * usable once its inputs and an enabled submit button are in the document (the client renders
 * everything itself, so event handlers are attached by then).
 */
function watchForUsable(condition: string): string {
  return `(() => {
    const ready = () => { try { return (${condition})(); } catch { return false; } };
    const mark = () => { if (window.__usableAt === undefined && ready()) { window.__usableAt = performance.now(); observer.disconnect(); } };
    const observer = new MutationObserver(mark);
    observer.observe(document, { subtree: true, childList: true, attributes: true });
    window.__figures = () => {
      const usableMs = window.__usableAt;
      const scripts = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.endsWith('.js'));
      const before = scripts.filter((e) => e.responseEnd <= usableMs);
      const sum = (xs) => xs.reduce((n, e) => n + e.transferSize, 0);
      const timeline = performance.getEntriesByType('resource').map((e) =>
        new URL(e.name).pathname.slice(0, 48).padEnd(50) + Math.round(e.startTime) + ' → ' + Math.round(e.responseEnd) + ' ms  ' + e.transferSize + ' B');
      return { usableMs, scriptBytes: sum(before), scriptFiles: before.length, allScriptBytes: sum(scripts), timeline };
    };
  })();`;
}

const JOIN_FORM_READY = `() => {
  const input = document.querySelector('form input[autocomplete^="bday"]');
  const submit = input && input.closest('form').querySelector('button[type="submit"]');
  return Boolean(submit && !submit.disabled);
}`;
const SIGN_IN_READY = `() => {
  const input = document.querySelector('form input[autocomplete="username"]');
  const form = input && input.closest('form');
  const submit = form && form.querySelector('button[type="submit"]');
  return Boolean(submit && !submit.disabled && form.querySelector('input[type="password"]'));
}`;

async function measurePage(browser: Browser, base: string, url: string, condition: string, slow: boolean): Promise<Sample> {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, locale: 'en-US' });
  try {
    const page = await context.newPage();
    // Same origin first, so the measured navigation stays in this renderer and its throttling.
    await page.goto(`${base}/healthz`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (slow) {
      await cdp.send('Network.emulateNetworkConditions', SLOW_4G);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    }
    await page.addInitScript(watchForUsable(condition));
    await page.goto(`${base}${url}`, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as { __usableAt?: number }).__usableAt !== undefined, undefined, {
      timeout: 60_000,
      polling: 100,
    });
    // Let whatever the page fetches right after its form settle, to show it apart.
    await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => undefined);
    const figures = (await page.evaluate(() => (window as unknown as { __figures: () => unknown }).__figures())) as Sample & {
      timeline: string[];
    };
    if (process.env.BENCH_TIMELINE) {
      console.log(`    ${slow ? 'slow 4G' : 'loopback'} ${url.slice(0, 12)}…: usable at ${figures.usableMs.toFixed(0)} ms`);
      for (const line of figures.timeline) console.log(`      ${line}`);
    }
    return figures;
  } finally {
    await context.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

async function measureSeries(browser: Browser, base: string, url: string, condition: string, slow: boolean): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < (slow ? RUNS.slow : RUNS.loopback); i++) samples.push(await measurePage(browser, base, url, condition, slow));
  return {
    usableMs: median(samples.map((s) => s.usableMs)),
    scriptBytes: median(samples.map((s) => s.scriptBytes)),
    scriptFiles: median(samples.map((s) => s.scriptFiles)),
    allScriptBytes: median(samples.map((s) => s.allScriptBytes)),
  };
}

/** Builds the current client into a temporary folder (leaving dist/client to `npm start` and the tests). */
function buildClient(): string {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-bench-client-'));
  const r = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn', '--outDir', outDir],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (r.status !== 0) throw new Error('client build failed');
  return outDir;
}

export async function runBrowserBenchmarks(): Promise<void> {
  console.log('\nFront door in Chromium (375 px, cold cache; median of runs)');
  if (!hasChromium) {
    console.log('  SKIPPED: no Chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');
    return;
  }
  const builtHere = !process.env.BENCH_CLIENT_DIR;
  const clientDir = process.env.BENCH_CLIENT_DIR ?? buildClient();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-bench-browser-'));
  const databaseUrl = `sqlite:${path.join(dir, 'bench.db')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    LIVEKIT_URL: 'ws://127.0.0.1:9',
    JOIN_LIMIT_PER_ADDRESS: '1000000',
  });
  const database = openDatabase(databaseUrl);
  await migrateToLatest(database);
  const handle = createApp({ config, database, logger: createLogger('silent'), clientDir, livekitReachable: async () => false });
  await new Promise<void>((r) => handle.server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(handle.server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    // A visit whose link asks for the date of birth: the join page stops at that form.
    const password = 'bench-password-123';
    const { staff: clinician } = await createStaffAccount(
      database.db,
      { email: 'c@bench.test', name: 'Bench Clinician', role: 'clinician' },
      password,
    );
    const { staff: scheduler } = await createStaffAccount(
      database.db,
      { email: 's@bench.test', name: 'Bench Scheduler', role: 'scheduler' },
      password,
    );
    const json = { 'content-type': 'application/json' };
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email: scheduler.email, password }),
    });
    if (!login.ok) throw new Error(`sign-in ${login.status}`);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const post = async (url: string, body: unknown) => {
      const r = await fetch(`${base}${url}`, { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify(body) });
      if (!r.ok) throw new Error(`${url} ${r.status}`);
      return (await r.json()) as Record<string, { id?: string; url?: string }>;
    };
    const patient = await post('/api/patients', { displayName: 'Bench Patient', dateOfBirth: '1980-04-12' });
    const visit = await post('/api/visits', {
      patientId: patient.patient!.id,
      clinicianIds: [clinician.id],
      startsAt: new Date().toISOString(),
      durationMinutes: 60,
    });
    const joinPath = new URL(visit.patientLink!.url!).pathname;

    browser = await launchBrowser();
    const rows: [string, string, string][] = [
      ['join page → date-of-birth form', joinPath, JOIN_FORM_READY],
      ['staff sign-in page → sign-in form', '/signin', SIGN_IN_READY],
    ];
    for (const [label, url, condition] of rows) {
      const fast = await measureSeries(browser, base, url, condition, false);
      const slow = await measureSeries(browser, base, url, condition, true);
      console.log(`  ${label}`);
      console.log(
        `    script on the wire before the form: ${kb(fast.scriptBytes)} in ${fast.scriptFiles} file(s)` +
          `   (all script fetched by the page at rest: ${kb(fast.allScriptBytes)})`,
      );
      console.log(
        `    usable form: loopback ${fast.usableMs.toFixed(0)} ms   slow 4G + ${CPU_SLOWDOWN}× CPU ${slow.usableMs.toFixed(0)} ms`,
      );
    }
  } finally {
    await browser?.close();
    await new Promise<void>((r) => handle.io.close(() => r()));
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (builtHere) fs.rmSync(clientDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await runBrowserBenchmarks();
