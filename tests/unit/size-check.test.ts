import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkSize } from '../../scripts/check-size.mjs';

type Check = (dir: string, budgets?: Record<string, number>) => { ok: boolean; lines: string[] };
const check = checkSize as Check;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/**
 * A build as vite lays it out: join.html naming its entry and one modulepreload, a plain script,
 * a lazy chunk (never counted), and brotli copies of the given sizes beside the scripts.
 */
function fixtureBuild(
  sizes: { entry: number; framework: number; lazy: number; early: number },
  opts: { withoutBrotli?: string } = {},
): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-size-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, '.vite'));
  fs.mkdirSync(path.join(dir, 'assets'));
  const files = {
    'assets/join-a1.js': sizes.entry,
    'assets/framework-b2.js': sizes.framework,
    'assets/call-c3.js': sizes.lazy,
    'join-early.js': sizes.early,
  };
  for (const [file, size] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), randomBytes(size * 3));
    if (file !== opts.withoutBrotli) fs.writeFileSync(path.join(dir, `${file}.br`), randomBytes(size));
  }
  fs.writeFileSync(
    path.join(dir, 'join.html'),
    '<html><head><script src="/join-early.js" async></script><script type="module" crossorigin src="/assets/join-a1.js"></script>' +
      '<link rel="modulepreload" crossorigin href="/assets/framework-b2.js"></head></html>',
  );
  const manifest = {
    'join.html': { file: 'assets/join-a1.js', isEntry: true, imports: ['_framework-b2.js'], dynamicImports: ['app/call.tsx'] },
    '_framework-b2.js': { file: 'assets/framework-b2.js' },
    'app/call.tsx': { file: 'assets/call-c3.js', isDynamicEntry: true, imports: ['_framework-b2.js'] },
  };
  fs.writeFileSync(path.join(dir, '.vite/manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('the bundle-size check (scripts/check-size.mjs)', () => {
  it('counts the brotli bytes of what the page loads before its code runs (entry, preloads, plain scripts), never the lazy chunks', () => {
    const dir = fixtureBuild({ entry: 20_000, framework: 100_000, lazy: 500_000, early: 1_000 });
    const { ok, lines } = check(dir, { 'join.html': 150_000 });
    expect(ok).toBe(true);
    expect(lines.join('\n')).toMatch(/ok\s+join\.html: 121\.0 KB of script on the wire \(brotli\) before its first screen, budget 150 KB/);
  });

  it('fails a page over its budget and names its files', () => {
    const dir = fixtureBuild({ entry: 30_000, framework: 125_000, lazy: 1_000, early: 1_000 });
    const { ok, lines } = check(dir, { 'join.html': 150_000 });
    expect(ok).toBe(false);
    expect(lines[0]).toMatch(/^FAIL join\.html: 156\.0 KB .* budget 150 KB/);
    expect(lines[1]).toMatch(/assets\/framework-b2\.js 125\.0 KB/);
  });

  it('fails a script that would go out uncompressed', () => {
    const dir = fixtureBuild({ entry: 20_000, framework: 50_000, lazy: 1_000, early: 1_000 }, { withoutBrotli: 'assets/framework-b2.js' });
    const { ok, lines } = check(dir, { 'join.html': 150_000 });
    expect(ok).toBe(false);
    expect(lines.join('\n')).toMatch(/assets\/framework-b2\.js has no brotli copy/);
  });

  it('as a command, exits 1 on a build over the real budget (how CI fails), 0 within it', () => {
    const over = fixtureBuild({ entry: 60_000, framework: 100_000, lazy: 1_000, early: 1_000 });
    const failing = spawnSync(process.execPath, ['scripts/check-size.mjs', over], { encoding: 'utf8' });
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/FAIL join\.html: 161\.0 KB/);
    const within = fixtureBuild({ entry: 20_000, framework: 100_000, lazy: 900_000, early: 1_000 });
    const passing = spawnSync(process.execPath, ['scripts/check-size.mjs', within], { encoding: 'utf8' });
    expect(passing.status, passing.stdout).toBe(0);
  });
});
