// `npm test`: typecheck, lint, unit + integration suites (SQLite, and PostgreSQL when
// TEST_DATABASE_URL is set), the browser suite when Chromium is present, then a scan of every
// server log line the run produced for passwords, cookies and tokens. Ends with one summary line.
import { spawnSync } from 'node:child_process';
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

function run(label, cmd, args, env = {}) {
  console.log(`\n▶ ${label}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`  ${label}: ${r.status === 0 ? 'ok' : `FAILED (exit ${r.status})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (r.status !== 0) failures.push(label);
  return r.status === 0;
}

function vitest(project) {
  const report = path.join(out, `vitest-${project}.json`);
  const ok = run(`vitest ${project}`, bin('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);
  if (fs.existsSync(report)) {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    // vitest's JSON report counts skipped tests (it.skip, skipIf, and everything in a skipped
    // describe) as pending, and todo tests apart.
    totals.skipped += r.numPendingTests + r.numTodoTests;
    if (!ok && r.numFailedTests === 0) totals.failed += 1; // a suite that failed to load
  } else if (!ok) totals.failed += 1;
}

run('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
run('lint', bin('eslint'), ['.', '--max-warnings=0']);
if (!process.env.TEST_DATABASE_URL) console.log('\nNote: TEST_DATABASE_URL is not set, so the PostgreSQL runs are skipped (SQLite only).');
vitest('unit');
vitest('integration');

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (fs.existsSync(chromium)) {
  if (run('build client', process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'])) {
    // The built client's size budgets (scripts/check-size.mjs): a page over its budget fails the run.
    run('client size budgets', process.execPath, [path.join(root, 'scripts/check-size.mjs')]);
    vitest('e2e');
  }
} else {
  // Its suites are declared with describe.skipIf(!hasChromium): running them still counts every
  // browser test as skipped in the summary, instead of leaving them out of it.
  console.log(`\nBrowser suite SKIPPED: no Chromium at ${chromium} (apt-get install -y chromium, or set CHROMIUM_PATH).`);
  vitest('e2e');
}

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

if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failures.length ? 1 : 0);
