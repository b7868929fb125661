// `node scripts/check-size.mjs [clientDir]`: the size budgets of the built client (issue 12), read
// from the build itself. For each budgeted page: the scripts a browser fetches before any of the
// page's code runs — the files its HTML names (its entry and the modulepreloads Vite writes from the
// manifest, plus plain scripts such as join-early.js) — counted as they cross the wire, i.e. their
// brotli copies (what the server sends to every current browser), or the file itself when it is too
// small to be worth compressing. A larger script without its .br copy fails the check: it would go
// out uncompressed. Exits 1 when a budget is exceeded.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Files below this are not compressed at build (vite.config.ts: the compression plugin's threshold). */
const COMPRESS_FROM_BYTES = 1024;

/** Script bytes on the wire a page may fetch before its first screen. */
export const BUDGETS = {
  // The patient's join page up to its date-of-birth form.
  'join.html': 150_000,
};

/** The files `key` needs before it runs: its own and its static imports, recursively (not dynamic ones). */
function staticClosure(manifest, key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`${key} is not in the build manifest`);
  if (seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const i of chunk.imports ?? []) staticClosure(manifest, i, seen);
  return seen;
}

/** Scripts the page's HTML names itself (entry, modulepreloads, plain scripts), as paths in the build. */
function scriptsNamedBy(html) {
  const out = new Set();
  for (const m of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) out.add(m[1].replace(/^\//, ''));
  for (const m of html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g)) out.add(m[1].replace(/^\//, ''));
  return out;
}

/**
 * Measures every budgeted page of the build in `clientDir`; `budgets` maps a page (its manifest
 * key, the HTML file's name) to the most script bytes it may put on the wire.
 */
export function checkSize(clientDir, budgets = BUDGETS) {
  const manifestFile = path.join(clientDir, '.vite/manifest.json');
  if (!fs.existsSync(manifestFile)) return { ok: false, lines: [`no build manifest at ${manifestFile} (run npm run build)`] };
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const lines = [];
  let ok = true;
  for (const [page, budget] of Object.entries(budgets)) {
    if (!manifest[page]) {
      ok = false;
      lines.push(`FAIL ${page}: not a page of this build (no such entry in its manifest)`);
      continue;
    }
    const files = new Set([...staticClosure(manifest, page), ...scriptsNamedBy(fs.readFileSync(path.join(clientDir, page), 'utf8'))]);
    let bytes = 0;
    const parts = [];
    for (const file of [...files].sort()) {
      const plain = path.join(clientDir, file);
      const compressed = `${plain}.br`;
      let size;
      if (fs.existsSync(compressed)) size = fs.statSync(compressed).size;
      else if (fs.existsSync(plain) && fs.statSync(plain).size < COMPRESS_FROM_BYTES) size = fs.statSync(plain).size;
      else {
        ok = false;
        lines.push(`FAIL ${page}: ${file} has no brotli copy, so it would go out uncompressed`);
        continue;
      }
      bytes += size;
      parts.push(`${file} ${(size / 1000).toFixed(1)} KB`);
    }
    const within = bytes <= budget;
    if (!within) ok = false;
    lines.push(
      `${within ? 'ok  ' : 'FAIL'} ${page}: ${(bytes / 1000).toFixed(1)} KB of script on the wire (brotli) before its first screen, budget ${(budget / 1000).toFixed(0)} KB`,
    );
    if (!within) lines.push(`     ${parts.join(', ')}`);
  }
  return { ok, lines };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const clientDir = path.resolve(process.argv[2] ?? path.join(root, 'dist/client'));
  const { ok, lines } = checkSize(clientDir);
  for (const line of lines) console.log(line);
  process.exit(ok ? 0 : 1);
}
