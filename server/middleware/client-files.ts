import fs from 'node:fs';
import path from 'node:path';
import express, { type Response, type Router } from 'express';
import expressStaticGzip from 'express-static-gzip';

/** Hashed file names change with their content, so a browser may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves the built client (`vite build` into `clientDir`), or returns null when there is none.
 *
 * - `assets/`: the hashed files, each with the brotli and gzip copies the build wrote beside it;
 *   express-static-gzip picks brotli, then gzip, then the plain file from Accept-Encoding and says
 *   `Vary: Accept-Encoding`. Cached a year as immutable. A missing asset is a plain 404 (a page
 *   would be run as a script by a stale tab, and cached).
 * - the pages are never stored: join links get the patient's page (`join.html`, which loads only
 *   the patient's code), every other path the staff page (`index.html`).
 * - any other file (the favicon, join-early.js) is revalidated on every use, and goes out as its
 *   brotli or gzip copy where the build wrote one.
 */
export function clientFiles(clientDir: string): Router | null {
  const staffFile = path.join(clientDir, 'index.html');
  if (!fs.existsSync(staffFile)) return null;
  const patientFile = path.join(clientDir, 'join.html');
  const staffPage = fs.readFileSync(staffFile);
  const patientPage = fs.existsSync(patientFile) ? fs.readFileSync(patientFile) : staffPage;

  const router = express.Router();
  router.use(
    '/assets',
    expressStaticGzip(path.join(clientDir, 'assets'), {
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      index: false,
      serveStatic: { index: false, setHeaders: (res) => res.setHeader('Cache-Control', IMMUTABLE) },
    }),
    (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.status(404).type('text/plain').send('Not found');
    },
  );
  router.use(
    expressStaticGzip(clientDir, {
      enableBrotli: true,
      orderPreference: ['br', 'gzip'],
      index: false,
      serveStatic: { index: false, setHeaders: (res, file) => res.setHeader('Cache-Control', file.endsWith('.html') ? 'no-store' : 'no-cache') },
    }),
  );
  const sendPage = (res: Response, page: Buffer) => {
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(page);
  };
  router.get('/join/{*rest}', (_req, res) => sendPage(res, patientPage));
  router.get('/{*path}', (_req, res) => sendPage(res, staffPage));
  return router;
}
