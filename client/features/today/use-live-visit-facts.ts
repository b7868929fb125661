import { useEffect, useState } from 'react';
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
 * they are on, so nothing here filters. Forgotten at every (re)connection, so a badge never
 * outlives a change that happened while the socket was away.
 */
export function useLiveVisitFacts(): LiveVisitFacts {
  const [waiting, setWaiting] = useState<Record<string, number>>({});
  const [status, setStatus] = useState<Record<string, VisitStatusName>>({});
  const { socket, connected } = useSocket();
  // Facts heard before a (re)connection may be stale: the provider refetches today's visits on every
  // connection, so from then on only what the server says afresh overrides that list. Forgotten in
  // the connect handler itself, before any event of the new connection can arrive.
  useEffect(() => {
    if (!socket) return;
    const forget = () => {
      setWaiting({});
      setStatus({});
    };
    socket.on('connect', forget);
    return () => {
      socket.off('connect', forget);
    };
  }, [socket]);
  useSocketEvent('visit:waiting', (p) => setWaiting((cur) => ({ ...cur, [p.visitId]: p.waiting })));
  useSocketEvent('visit:status', (p) => setStatus((cur) => ({ ...cur, [p.visitId]: p.status })));
  return { waiting, status, connected };
}
