import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SCRIPT = `export const greeting = ${JSON.stringify('hello '.repeat(400))};\n`;

/**
 * A client build as `vite build` lays it out: the staff page, the patient's page, a favicon, and a
 * hashed script with the brotli and gzip copies the build plugin writes beside it.
 */
function builtClient(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alcove-static-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><title>Alcove</title></head><body><div id="root" data-page="staff"></div></body></html>',
  );
  fs.writeFileSync(
    path.join(dir, 'join.html'),
    '<!doctype html><html><head><title>Alcove</title></head><body><div id="root" data-page="patient"></div></body></html>',
  );
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // A plain script the patient's page loads before its own code (not hashed), with its copies.
  fs.writeFileSync(path.join(dir, 'join-early.js'), SCRIPT);
  fs.writeFileSync(path.join(dir, 'join-early.js.br'), zlib.brotliCompressSync(SCRIPT));
  fs.writeFileSync(path.join(dir, 'join-early.js.gz'), zlib.gzipSync(SCRIPT));
  const asset = path.join(dir, 'assets/join-BxQ3k9aZ.js');
  fs.writeFileSync(asset, SCRIPT);
  fs.writeFileSync(`${asset}.br`, zlib.brotliCompressSync(SCRIPT));
  fs.writeFileSync(`${asset}.gz`, zlib.gzipSync(SCRIPT));
  return dir;
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as they crossed the wire (still compressed). */
  body: Buffer;
}

/** A plain HTTP GET that decodes nothing, so the test sees exactly what the browser would receive. */
function rawGet(base: string, p: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${p}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describeEachDatabase('static files: precompressed, negotiated and cached (%s)', (dialect) => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = builtClient();
    t = await startTestApp(dialect, { deps: { clientDir: dir } });
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('a hashed script', () => {
    const url = '/assets/join-BxQ3k9aZ.js';

    it('goes out as brotli to a browser that accepts it (preferred over gzip), cached for a year as immutable', async () => {
      const res = await rawGet(t.url, url, { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBe('br');
      expect(res.headers['vary']).toMatch(/Accept-Encoding/i);
      expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
      expect(res.headers['cache-control']).toBe(IMMUTABLE);
      expect(Number(res.headers['content-length'])).toBe(res.body.length);
      expect(res.body.length).toBeLessThan(SCRIPT.length / 4);
      expect(zlib.brotliDecompressSync(res.body).toString('utf8')).toBe(SCRIPT);
    });

    it('goes out as gzip to a client that takes only gzip, or refuses brotli with q=0', async () => {
      for (const accept of ['gzip', 'br;q=0, gzip']) {
        const res = await rawGet(t.url, url, { 'Accept-Encoding': accept });
        expect(res.headers['content-encoding'], accept).toBe('gzip');
        expect(res.headers['vary'], accept).toMatch(/Accept-Encoding/i);
        expect(res.headers['cache-control'], accept).toBe(IMMUTABLE);
        expect(zlib.gunzipSync(res.body).toString('utf8'), accept).toBe(SCRIPT);
      }
    });

    it('goes out unencoded to a client that accepts no encoding (or only identity), still varying on Accept-Encoding', async () => {
      for (const headers of [{}, { 'Accept-Encoding': 'identity' }] as Record<string, string>[]) {
        const res = await rawGet(t.url, url, headers);
        expect(res.headers['content-encoding']).toBeUndefined();
        expect(res.headers['vary']).toMatch(/Accept-Encoding/i);
        expect(res.headers['cache-control']).toBe(IMMUTABLE);
        expect(res.body.toString('utf8')).toBe(SCRIPT);
      }
    });

    it('a hashed script that does not exist is a 404, never the page and never cached for long', async () => {
      const res = await rawGet(t.url, '/assets/join-gone1234.js', { 'Accept-Encoding': 'br' });
      expect(res.status).toBe(404);
      expect(res.headers['content-type'] ?? '').not.toMatch(/html/);
      expect(res.headers['cache-control'] ?? '').not.toMatch(/immutable|max-age=[1-9]/);
    });
  });

  it('pages are never cached: the staff page on every staff path, the patient page on join links', async () => {
    for (const [p, page] of [
      ['/', 'staff'],
      ['/signin', 'staff'],
      ['/schedule', 'staff'],
      ['/join/some-token', 'patient'],
    ] as const) {
      const res = await rawGet(t.url, p, { 'Accept-Encoding': 'gzip, br' });
      expect(res.status, p).toBe(200);
      expect(res.headers['content-type'], p).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], p).toBe('no-store');
      expect(res.body.toString('utf8'), p).toContain(`data-page="${page}"`);
    }
  });

  it('files that are not hashed (the favicon) are revalidated on every use, not kept for a year', async () => {
    const res = await rawGet(t.url, '/favicon.svg');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('a script that is not hashed (join-early.js) goes out compressed too, and is revalidated on every use', async () => {
    const br = await rawGet(t.url, '/join-early.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary ?? '').toMatch(/Accept-Encoding/i);
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers['cache-control']).toBe('no-cache');
    expect(zlib.brotliDecompressSync(br.body).toString('utf8')).toBe(SCRIPT);
    const gz = await rawGet(t.url, '/join-early.js', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString('utf8')).toBe(SCRIPT);
    const plain = await rawGet(t.url, '/join-early.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(SCRIPT);
  });

  it('API answers are never cached, found or not', async () => {
    for (const p of ['/api/auth/me', '/api/no-such-route']) {
      const res = await rawGet(t.url, p, { 'Accept-Encoding': 'gzip, br' });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.headers['cache-control'], p).toBe('no-store');
    }
  });
});
