import { useState } from 'react';
import type { VisitStatusName } from '@shared/realtime';
import { useSocket, useSocketEvent } from '../../lib/socket';

export interface LiveVisitFacts {
  /** Patients waiting per visit id, as last told by the server. */
  waiting: Record<string, number>;
  /** Statuses that changed since the page loaded. */
  status: Record<string, VisitStatusName>;
  connected: boolean;
}

/**
 * Live facts for the today page from the staff socket: `visit:waiting` drives the "Patient
 * waiting" badge and `visit:status` keeps statuses current. The server sends staff only the visits
 * they are on, so nothing here filters.
 */
export function useLiveVisitFacts(): LiveVisitFacts {
  const [waiting, setWaiting] = useState<Record<string, number>>({});
  const [status, setStatus] = useState<Record<string, VisitStatusName>>({});
  const { connected } = useSocket();
  useSocketEvent('visit:waiting', (p) => setWaiting((cur) => ({ ...cur, [p.visitId]: p.waiting })));
  useSocketEvent('visit:status', (p) => setStatus((cur) => ({ ...cur, [p.visitId]: p.status })));
  return { waiting, status, connected };
}
