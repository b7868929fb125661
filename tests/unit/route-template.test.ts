import { describe, expect, it } from 'vitest';
import { routeTemplate } from '../../server/middleware/request-context';

describe('request log route templates', () => {
  it.each([
    ['/api/auth/me', '/api/auth/me'],
    ['/api/visits/0b6f3c1e-8a2d-4c1b-9f3e-1d2c3b4a5f60/admit', '/api/visits/:id/admit'],
    ['/api/checkins/0b6f3c1e-8a2d-4c1b-9f3e-1d2c3b4a5f60/answers/44260-8', '/api/checkins/:id/answers/44260-8'],
    ['/api/visits?from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z', '/api/visits'],
    ['/api/visits/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG/cancel', '/api/visits/:param/cancel'],
    ['/api/patients/Jordan%20Example', '/api/patients/:param'],
  ])('%s is logged as %s', (url, template) => {
    expect(routeTemplate(url)).toBe(template);
  });
});
