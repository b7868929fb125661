import { useCallback, useEffect, useState } from 'react';
import type { WaitingMessage, WaitingMessageRequest } from '@shared/api/waiting-room.schema';
import type { Visit } from '@shared/api/visits.schema';
import type { LiveParticipant, VisitStatusName } from '@shared/realtime';
import { api, ApiError } from '../../lib/api';
import { useSocket } from '../../lib/socket';

export interface AttendanceEntry {
  participantId: string;
  displayName: string;
  joinedAt: string;
  leftAt: string | null;
  totalMinutes: number;
}

export type VisitDetail = Visit & { attendance?: AttendanceEntry[]; waitingMessage?: WaitingMessage | null };

export type ParticipantAction = 'admit' | 'deny' | 'return-to-waiting' | 'remove';

export interface VisitConsoleState {
  visit: VisitDetail | null;
  loadError: 'not_found' | 'failed' | null;
  participants: LiveParticipant[];
  status: VisitStatusName | null;
  ended: boolean;
  live: boolean;
  watchError: string | null;
  /** The message this console last set (the server does not report the current one on load). */
  waitingMessage: WaitingMessage | null;
  pending: string | null;
  actionError: string | null;
  act(action: ParticipantAction, participantId: string): Promise<boolean>;
  endVisit(): Promise<boolean>;
  setWaitingMessage(req: WaitingMessageRequest): Promise<boolean>;
  reload(): void;
}

const ACTION_ERRORS: Record<string, string> = {
  conflict: 'That is no longer possible: the list changed. It now shows the current state.',
  not_found: 'That participant is no longer part of this visit.',
  network_error: 'Cannot reach Alcove. Check your connection and try again.',
};

function toLive(p: Visit['participants'][number]): LiveParticipant {
  return { ...p, waitingSince: null };
}

/**
 * A clinician's live view of one visit: the visit record, the participant list pushed over the
 * socket on every change (no polling), and the waiting-room actions. The server broadcasts the
 * result of every action, so other clinicians of the visit see it at the same moment.
 */
export function useVisitConsole(visitId: string): VisitConsoleState {
  const [visit, setVisit] = useState<VisitDetail | null>(null);
  const [loadError, setLoadError] = useState<VisitConsoleState['loadError']>(null);
  const [participants, setParticipants] = useState<LiveParticipant[]>([]);
  const [status, setStatus] = useState<VisitStatusName | null>(null);
  const [ended, setEnded] = useState(false);
  const [watchError, setWatchError] = useState<string | null>(null);
  const [waitingMessage, setWaitingMessageState] = useState<WaitingMessage | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const [loads, setLoads] = useState(0);
  const reload = useCallback(() => setLoads((n) => n + 1), []);

  useEffect(() => {
    let cancelled = false;
    api<{ visit: VisitDetail }>('GET', `/api/visits/${visitId}`).then(
      (r) => {
        if (cancelled) return;
        setVisit(r.visit);
        setStatus(r.visit.status);
        setWaitingMessageState(r.visit.waitingMessage ?? null);
        if (r.visit.status === 'completed') setEnded(true);
        // The socket list (with waiting times) wins once it arrives; this is only the first paint.
        setParticipants((cur) => (cur.length ? cur : r.visit.participants.map(toLive)));
      },
      (err: unknown) => {
        if (!cancelled) setLoadError(err instanceof ApiError && err.status === 404 ? 'not_found' : 'failed');
      },
    );
    return () => {
      cancelled = true;
    };
  }, [visitId, loads]);

  const { socket, connected, connections } = useSocket(true);

  useEffect(() => {
    if (!socket) return;
    const onParticipants = (p: { visitId: string; participants: LiveParticipant[] }) => {
      if (p.visitId === visitId) setParticipants(p.participants);
    };
    // When the visit ends, fetch it again: it now carries its attendance.
    const onStatus = (p: { visitId: string; status: VisitStatusName }) => {
      if (p.visitId !== visitId) return;
      setStatus(p.status);
      if (p.status === 'completed' || p.status === 'cancelled') {
        setEnded(true);
        reload();
      }
    };
    const onEnded = (p: { visitId: string }) => {
      if (p.visitId !== visitId) return;
      setEnded(true);
      setStatus('completed');
      reload();
    };
    socket.on('visit:participants', onParticipants);
    socket.on('visit:status', onStatus);
    socket.on('visit:ended', onEnded);
    return () => {
      socket.off('visit:participants', onParticipants);
      socket.off('visit:status', onStatus);
      socket.off('visit:ended', onEnded);
    };
  }, [socket, visitId, reload]);

  // Watch on every (re)connection: the server sends the current list right after the ack.
  useEffect(() => {
    if (!socket || connections === 0) return;
    socket.emit('visit:watch', { visitId }, (res) => {
      setWatchError(res.ok ? null : res.code);
    });
    return () => {
      if (socket.connected) socket.emit('visit:unwatch', { visitId }, () => undefined);
    };
  }, [socket, connections, visitId]);

  const call = useCallback(
    async (key: string, method: 'POST' | 'PUT', path: string, body?: unknown): Promise<boolean> => {
      setPending(key);
      setActionError(null);
      try {
        await api(method, path, body);
        return true;
      } catch (err) {
        const code = err instanceof ApiError ? err.code : 'failed';
        setActionError(ACTION_ERRORS[code] ?? (err instanceof ApiError ? err.message : 'Something went wrong. Please try again.'));
        return false;
      } finally {
        setPending(null);
        // Without a live socket, fetch the state the action produced.
        if (!socket?.connected) reload();
      }
    },
    [reload, socket],
  );

  const act = useCallback(
    (action: ParticipantAction, participantId: string) =>
      action === 'remove'
        ? call(`remove:${participantId}`, 'POST', `/api/visits/${visitId}/participants/${participantId}/remove`)
        : call(`${action}:${participantId}`, 'POST', `/api/visits/${visitId}/${action}`, { participantId }),
    [call, visitId],
  );

  const endVisit = useCallback(async () => {
    const ok = await call('end', 'POST', `/api/visits/${visitId}/end`);
    if (ok) {
      setEnded(true);
      reload();
    }
    return ok;
  }, [call, visitId, reload]);

  const setWaitingMessage = useCallback(
    async (req: WaitingMessageRequest) => {
      const ok = await call('message', 'PUT', `/api/visits/${visitId}/waiting-message`, req);
      if (ok) setWaitingMessageState(req.preset ? { preset: req.preset } : req.text ? { text: req.text } : null);
      return ok;
    },
    [call, visitId],
  );

  return {
    visit,
    loadError,
    participants,
    status,
    ended,
    live: connected && watchError === null,
    watchError,
    waitingMessage,
    pending,
    actionError,
    act,
    endVisit,
    setWaitingMessage,
    reload,
  };
}
