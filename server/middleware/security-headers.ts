import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Pages that use the camera and microphone; every other page denies both. */
const MEDIA_PAGES = /^\/(join|visits)(\/|$)/;

/**
 * All security headers in one place. The CSP allows scripts from our origin only (no inline
 * script), and connections to our API, our socket and the LiveKit server.
 */
export function securityHeaders(livekitUrl: string): RequestHandler[] {
  const lk = new URL(livekitUrl);
  const lkHttp = `${lk.protocol === 'wss:' ? 'https:' : 'http:'}//${lk.host}`;
  const lkWs = `${lk.protocol}//${lk.host}`;
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          // The E2EE worker is a same-origin module file; blob: covers libraries that spawn inline workers.
          workerSrc: ["'self'", 'blob:'],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:', 'blob:'],
          mediaSrc: ["'self'", 'blob:', 'mediastream:'],
          connectSrc: ["'self'", lkWs, lkHttp],
          fontSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
    }),
    (req, res, next) => {
      const media = MEDIA_PAGES.test(req.path) ? '(self)' : '()';
      res.setHeader(
        'Permissions-Policy',
        `camera=${media}, microphone=${media}, display-capture=${media}, geolocation=(), payment=(), usb=(), interest-cohort=()`,
      );
      if (req.path.startsWith('/api/')) {
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Pragma', 'no-cache');
      }
      next();
    },
  ];
}
