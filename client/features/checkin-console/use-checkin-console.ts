import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import type { ClinicianCheckin, SafetyAlert } from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentSummary } from '@shared/api/instruments.schema';
import { announce, useAttentionCount } from '../../components/attention';
import { ApiError } from '../../lib/api';
import { useSocketEvent } from '../../lib/socket';
import {
  useAcknowledgeAlert,
  useInstrumentDetails,
  useInstrumentList,
  useSendCheckins,
  useVisitCheckins,
  visitCheckinsKey,
} from './checkin-console-api';

export interface OpenAlert {
  checkin: ClinicianCheckin;
  alert: SafetyAlert;
}

export interface CheckinConsoleState {
  instruments: InstrumentSummary[];
  checkins: ClinicianCheckin[];
  patientId: string | null;
  definitions: Record<string, InstrumentDetail>;
  loadError: boolean;
  /** The visit's check-ins have been loaded at least once. */
  loaded: boolean;
  sending: boolean;
  sendError: string | null;
  /** Unacknowledged safety alerts, oldest first: the first one interrupts the screen. */
  openAlerts: OpenAlert[];
  acknowledging: boolean;
  ackError: string | null;
  send: (instrumentIds: string[]) => Promise<boolean>;
  acknowledge: (checkinId: string, code: string) => Promise<void>;
}

const NO_CHECKINS: ClinicianCheckin[] = [];

/** A flag code as a short number, so a notification's tag tells nothing of what was flagged. */
function opaque(code: string): string {
  let h = 2166136261;
  for (let i = 0; i < code.length; i++) h = Math.imul(h ^ code.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/**
 * A clinician's live view of the check-ins of one visit. Progress arrives as counts over the socket;
 * a share or a safety alert makes it fetch the check-ins again (answers only come over HTTP, and only
 * once shared).
 */
export function useCheckinConsole(visitId: string): CheckinConsoleState {
  const queryClient = useQueryClient();
  const instrumentList = useInstrumentList();
  const visitCheckins = useVisitCheckins(visitId);
  const sendMutation = useSendCheckins(visitId);
  const ackMutation = useAcknowledgeAlert(visitId);
  const [sendError, setSendError] = useState<string | null>(null);
  const [ackError, setAckError] = useState<string | null>(null);
  const checkins = visitCheckins.data?.checkins ?? NO_CHECKINS;

  const mine = (p: { visitId: string }) => p.visitId === visitId;
  useSocketEvent('checkin:progress', (p) => {
    if (!mine(p)) return;
    queryClient.setQueryData(
      visitCheckinsKey(visitId),
      (cur: typeof visitCheckins.data) =>
        cur && {
          ...cur,
          checkins: cur.checkins.map((c) =>
            c.id === p.checkinId && c.status !== 'shared'
              ? { ...c, status: 'in_progress' as const, progress: { answered: p.answered, total: p.total } }
              : c,
          ),
        },
    );
  });
  const handleChange = (p: { visitId: string }) => {
    if (mine(p)) void queryClient.invalidateQueries({ queryKey: visitCheckinsKey(visitId) });
  };
  useSocketEvent('checkin:sent', handleChange);
  useSocketEvent('checkin:shared', handleChange);
  useSocketEvent('safety:alert', (p) => {
    if (!mine(p)) return;
    handleChange(p);
    // Fixed words only: the alert's message stays on the page, behind the clinician's sign-in.
    announce('safety', `${p.checkinId}-${opaque(p.code)}`);
  });
  useSocketEvent('safety:acknowledged', handleChange);

  const sharedIds = useMemo(
    () => [...new Set(checkins.filter((c) => c.status === 'shared').map((c) => c.instrumentId))].sort(),
    [checkins],
  );
  const definitions = useInstrumentDetails(sharedIds);

  const { mutateAsync: sendAsync } = sendMutation;
  const send = useCallback(
    async (ids: string[]) => {
      setSendError(null);
      try {
        await sendAsync(ids);
        return true;
      } catch (err) {
        setSendError(
          err instanceof ApiError && err.code === 'conflict'
            ? `${err.message}.`
            : err instanceof ApiError && err.status === 0
              ? 'Cannot reach Alcove. Check your connection and try again.'
              : 'The check-in could not be sent. Please try again.',
        );
        return false;
      }
    },
    [sendAsync],
  );

  const { mutateAsync: ackAsync } = ackMutation;
  const acknowledge = useCallback(
    async (checkinId: string, code: string) => {
      setAckError(null);
      try {
        await ackAsync({ checkinId, code });
      } catch {
        setAckError('The acknowledgement was not recorded. Please try again.');
      }
    },
    [ackAsync],
  );

  const openAlerts = useMemo(
    () =>
      checkins
        .flatMap((c) => c.alerts.filter((a) => a.acknowledgedAt === null).map((alert) => ({ checkin: c, alert })))
        .sort((a, b) => a.alert.raisedAt.localeCompare(b.alert.raisedAt)),
    [checkins],
  );

  useAttentionCount(`safety-alerts:${visitId}`, openAlerts.length);

  return {
    instruments: instrumentList.data ?? [],
    checkins,
    patientId: visitCheckins.data?.patientId ?? null,
    definitions,
    loadError: instrumentList.isError || visitCheckins.isError,
    loaded: visitCheckins.data !== undefined,
    sending: sendMutation.isPending,
    sendError,
    openAlerts,
    acknowledging: ackMutation.isPending,
    ackError,
    send,
    acknowledge,
  };
}
