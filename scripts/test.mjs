// `npm test`: typecheck, lint, unit + integration suites (SQLite, and PostgreSQL when
// TEST_DATABASE_URL is set), the browser suite when Chromium is present, then a scan of every
// server log line the run produced for passwords, cookies and tokens. Ends with one summary line.
//
// Two lanes, one after the other:
//   checks:  typecheck, lint, unit, integration (TEST_WORKERS test files at a time, default 3:
//            its tests mostly wait on sockets and databases, so 3 files share 2 cores well)
//   browser: build the client, its size budgets, the browser suite (one file at a time)
// Run side by side on a 2-core machine, the lanes were slower together (integration 1331 s,
// against 731 s alone) and timing-bound tests failed, so they are not. Each step's output is
// kept whole and printed when the step ends, with how long it took.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'tests/.output');
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });

const bin = (name) => path.join(root, 'node_modules/.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const failedNames = []; // each failed test, named at the very end so a log's tail says what failed
const steps = [];
const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

/** Runs one step with its output kept in a file; prints that output, then one status line, when it ends. */
function run(label, cmd, args, env = {}) {
  const since = Date.now();
  const file = path.join(out, `step-${label.replace(/[^a-z0-9]+/gi, '-')}.out`);
  const sink = fs.openSync(file, 'w');
  console.log(`▶ ${label} (started at ${seconds(started)} s)`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', sink, sink], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    const done = (code) => {
      fs.closeSync(sink);
      const ok = code === 0;
      process.stdout.write(`\n──── ${label} ────\n${fs.readFileSync(file, 'utf8')}`);
      console.log(`  ${label}: ${ok ? 'ok' : `FAILED (exit ${code})`} in ${seconds(since)} s`);
      steps.push(`${label} ${seconds(since)} s`);
      if (!ok) failures.push(label);
      resolve(ok);
    };
    child.on('error', (err) => {
      fs.writeSync(sink, `could not start: ${err.message}\n`);
      done(-1);
    });
    child.on('close', done);
  });
}

async function vitest(project, extra = []) {
  const report = path.join(out, `vitest-${project}.json`);
  const ok = await run(`vitest ${project}`, bin('vitest'), ['run', '--project', project, ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  if (fs.existsSync(report)) {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    // vitest's JSON report counts skipped tests (it.skip, skipIf, and everything in a skipped
    // describe) as pending, and todo tests apart.
    totals.skipped += r.numPendingTests + r.numTodoTests;
    if (!ok && r.numFailedTests === 0) totals.failed += 1; // a suite that failed to load
    for (const file of r.testResults ?? []) {
      const where = path.relative(root, file.name);
      const failedTests = (file.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of failedTests) failedNames.push(`${where} > ${t.fullName}`);
      // A file whose hooks or import failed reports no failed test of its own: name the file and its message.
      if (file.status === 'failed' && failedTests.length === 0) failedNames.push(`${where}: ${String(file.message ?? '').split('\n')[0].slice(0, 300)}`);
    }
  } else if (!ok) totals.failed += 1;
}

if (!process.env.TEST_DATABASE_URL) console.log('Note: TEST_DATABASE_URL is not set, so the PostgreSQL runs are skipped (SQLite only).');
const workers = process.env.TEST_WORKERS ?? '3';

async function checks() {
  await run('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
  await run('lint', bin('eslint'), ['.', '--max-warnings=0']);
  await vitest('unit');
  await vitest('integration', [`--maxWorkers=${workers}`]);
}

async function browser() {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) {
    // Its suites are declared with describe.skipIf(!hasChromium): running them still counts every
    // browser test as skipped in the summary, instead of leaving them out of it.
    console.log(`Browser suite SKIPPED: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
    await vitest('e2e');
    return;
  }
  if (!(await run('build client', process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']))) return;
  // The built client's size budgets (scripts/check-size.mjs): a page over its budget fails the run.
  await run('client size budgets', process.execPath, [path.join(root, 'scripts/check-size.mjs')]);
  await vitest('e2e');
}

await checks();
await browser();

// Whole-run log scan: nothing that looks like a password, a session cookie or a JWT may appear.
const patterns = [
  [/alcove_(staff|patient)=/, 'session cookie'],
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./, 'JWT'],
  [/pw-[A-Za-z0-9_-]{12}/, 'test password'],
  [/"password"\s*:\s*"(?!\[redacted\])/, 'password field'],
  [/"(cookie|authorization)"\s*:\s*"(?!\[redacted\])/i, 'auth header'],
];
let logLines = 0;
for (const file of fs.readdirSync(out).filter((f) => f.endsWith('.log'))) {
  const lines = fs.readFileSync(path.join(out, file), 'utf8').split('\n');
  logLines += lines.length;
  lines.forEach((line, i) => {
    for (const [re, what] of patterns) {
      if (re.test(line)) {
        failures.push(`log scan: ${what} in ${file}:${i + 1}`);
        totals.failed += 1;
      }
    }
  });
}
console.log(`\n▶ log scan: ${logLines} server log lines checked for passwords, cookies and tokens`);

console.log(`\nSteps: ${steps.join('; ')}; whole run ${seconds(started)} s`);
if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
if (failedNames.length) console.log(`\nFailed tests:\n${failedNames.map((n) => `  - ${n}`).join('\n')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length ? 1 : 0);
