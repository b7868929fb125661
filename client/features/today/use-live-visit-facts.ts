import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, VisitStatusName } from '@shared/realtime';

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
  const [facts, setFacts] = useState<LiveVisitFacts>({ waiting: {}, status: {}, connected: false });
  useEffect(() => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({ withCredentials: true });
    socket.on('connect', () => setFacts((f) => ({ ...f, connected: true })));
    socket.on('disconnect', () => setFacts((f) => ({ ...f, connected: false })));
    socket.on('visit:waiting', ({ visitId, waiting }) => setFacts((f) => ({ ...f, waiting: { ...f.waiting, [visitId]: waiting } })));
    socket.on('visit:status', ({ visitId, status }) => setFacts((f) => ({ ...f, status: { ...f.status, [visitId]: status } })));
    return () => {
      socket.close();
    };
  }, []);
  return facts;
}
