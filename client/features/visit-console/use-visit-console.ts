import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import type { WaitingMessage, WaitingMessageRequest } from '@shared/api/waiting-room.schema';
import type { LiveParticipant, VisitStatusName } from '@shared/realtime';
import { ApiError } from '../../lib/api';
import { useSocket, useSocketEvent } from '../../lib/socket';
import {
  actionKey,
  useConsoleAction,
  useVisitDetail,
  visitKey,
  type ConsoleAction,
  type ParticipantAction,
  type VisitDetail,
} from './visit-console-api';

export type { ParticipantAction, VisitDetail } from './visit-console-api';

export interface VisitConsoleState {
  visit: VisitDetail | null;
  loadError: 'not_found' | 'failed' | null;
  participants: LiveParticipant[];
  status: VisitStatusName | null;
  ended: boolean;
  live: boolean;
  watchError: string | null;
  /** The visit's waiting-room message, as loaded and as this console last set it. */
  waitingMessage: WaitingMessage | null;
  pending: string | null;
  actionError: string | null;
  act(action: ParticipantAction, participantId: string): Promise<boolean>;
  endVisit(): Promise<boolean>;
  setWaitingMessage(req: WaitingMessageRequest): Promise<boolean>;
  reload(): void;
}

const ACTION_ERRORS: Partial<Record<ApiError['code'], string>> = {
  conflict: 'That is no longer possible: the list changed. It now shows the current state.',
  not_found: 'That participant is no longer part of this visit.',
  network_error: 'Cannot reach Alcove. Check your connection and try again.',
};

function toLive(p: VisitDetail['participants'][number]): LiveParticipant {
  return { ...p, waitingSince: null, connectionLost: false, otherDevice: false };
}

/**
 * A clinician's live view of one visit: the visit record, the participant list pushed over the
 * socket on every change (no polling), and the waiting-room actions. The server broadcasts the
 * result of every action, so other clinicians of the visit see it at the same moment.
 */
export function useVisitConsole(visitId: string): VisitConsoleState {
  const queryClient = useQueryClient();
  const detail = useVisitDetail(visitId);
  const mutation = useConsoleAction(visitId);
  const visit = detail.data ?? null;
  // The socket list (with waiting times) wins once it arrives; the loaded one is only the first paint.
  const [liveParticipants, setLiveParticipants] = useState<LiveParticipant[] | null>(null);
  const [endedHere, setEndedHere] = useState(false);
  const [watchError, setWatchError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const reload = useCallback(() => void queryClient.invalidateQueries({ queryKey: visitKey(visitId) }), [queryClient, visitId]);
  const setStatus = useCallback(
    (status: VisitStatusName) => queryClient.setQueryData<VisitDetail>(visitKey(visitId), (v) => v && { ...v, status }),
    [queryClient, visitId],
  );

  const { socket, connected, connections } = useSocket();
  useSocketEvent('visit:participants', (p) => {
    if (p.visitId === visitId) setLiveParticipants(p.participants);
  });
  // When the visit ends, fetch it again: it now carries its attendance.
  useSocketEvent('visit:status', (p) => {
    if (p.visitId !== visitId) return;
    setStatus(p.status);
    if (p.status === 'completed' || p.status === 'cancelled') {
      setEndedHere(true);
      reload();
    }
  });
  useSocketEvent('visit:ended', (p) => {
    if (p.visitId !== visitId) return;
    setEndedHere(true);
    setStatus('completed');
    reload();
  });

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

  const { mutateAsync } = mutation;
  const run = useCallback(
    async (a: ConsoleAction): Promise<boolean> => {
      setActionError(null);
      try {
        await mutateAsync(a);
        return true;
      } catch (err) {
        setActionError(
          (err instanceof ApiError && ACTION_ERRORS[err.code]) ||
            (err instanceof ApiError ? err.message : 'Something went wrong. Please try again.'),
        );
        return false;
      } finally {
        // Without a live socket, fetch the state the action produced.
        if (!socket?.connected) reload();
      }
    },
    [mutateAsync, reload, socket],
  );

  const act = useCallback(
    (action: ParticipantAction, participantId: string) => run({ kind: 'participant', action, participantId }),
    [run],
  );

  const endVisit = useCallback(async () => {
    const ok = await run({ kind: 'end' });
    if (ok) setEndedHere(true);
    return ok;
  }, [run]);

  const setWaitingMessage = useCallback((request: WaitingMessageRequest) => run({ kind: 'message', request }), [run]);

  const status = visit?.status ?? null;
  return {
    visit,
    loadError: visit || !detail.error ? null : detail.error instanceof ApiError && detail.error.status === 404 ? 'not_found' : 'failed',
    participants: liveParticipants ?? visit?.participants.map(toLive) ?? [],
    status,
    ended: endedHere || status === 'completed',
    live: connected && watchError === null,
    watchError,
    waitingMessage: visit?.waitingMessage ?? null,
    pending: mutation.isPending && mutation.variables ? actionKey(mutation.variables) : null,
    actionError,
    act,
    endVisit,
    setWaitingMessage,
    reload,
  };
}
