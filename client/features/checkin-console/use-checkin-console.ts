import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ClinicianCheckin, SafetyAlert } from '@shared/api/checkins.schema';
import type { InstrumentDetail, InstrumentSummary } from '@shared/api/instruments.schema';
import { ApiError } from '../../lib/api';
import { useSocket } from '../../lib/socket';
import { acknowledgeAlert, fetchInstrumentDetail, fetchInstrumentList, fetchVisitCheckins, sendCheckins } from './checkin-console-api';

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
  sending: boolean;
  sendError: string | null;
  /** Unacknowledged safety alerts, oldest first: the first one interrupts the screen. */
  openAlerts: OpenAlert[];
  acknowledging: boolean;
  ackError: string | null;
  send: (instrumentIds: string[]) => Promise<boolean>;
  acknowledge: (checkinId: string, code: string) => Promise<void>;
}

/**
 * A clinician's live view of the check-ins of one visit. Progress arrives as counts over the socket;
 * a share or a safety alert makes it fetch the check-ins again (answers only come over HTTP, and only
 * once shared).
 */
export function useCheckinConsole(visitId: string): CheckinConsoleState {
  const [instruments, setInstruments] = useState<InstrumentSummary[]>([]);
  const [checkins, setCheckins] = useState<ClinicianCheckin[]>([]);
  const [patientId, setPatientId] = useState<string | null>(null);
  const [definitions, setDefinitions] = useState<Record<string, InstrumentDetail>>({});
  const [loadError, setLoadError] = useState(false);
  const [sending, setSending] = useState(false);
  const [sendError, setSendError] = useState<string | null>(null);
  const [acknowledging, setAcknowledging] = useState(false);
  const [ackError, setAckError] = useState<string | null>(null);
  const seq = useRef(0);

  const reload = useCallback((): Promise<void> => {
    const mine = ++seq.current;
    return fetchVisitCheckins(visitId).then(
      (r) => {
        if (mine !== seq.current) return;
        setCheckins(r.checkins);
        setPatientId(r.patientId);
        setLoadError(false);
      },
      () => setLoadError(true),
    );
  }, [visitId]);

  useEffect(() => {
    let cancelled = false;
    fetchInstrumentList().then(
      (list) => {
        if (!cancelled) setInstruments(list);
      },
      () => {
        if (!cancelled) setLoadError(true);
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const { socket, connections } = useSocket(true);
  useEffect(() => {
    if (connections === 0) return;
    // First connection and every reconnection: whatever was missed meanwhile.
    void reload();
  }, [connections, reload]);
  useEffect(() => {
    // Before the socket is up, load once over HTTP.
    void reload();
  }, [reload]);

  useEffect(() => {
    if (!socket) return;
    const mine = (p: { visitId: string }) => p.visitId === visitId;
    const onProgress = (p: { visitId: string; checkinId: string; answered: number; total: number }) => {
      if (!mine(p)) return;
      setCheckins((cur) =>
        cur.map((c) =>
          c.id === p.checkinId && c.status !== 'shared'
            ? { ...c, status: 'in_progress', progress: { answered: p.answered, total: p.total } }
            : c,
        ),
      );
    };
    const onChange = (p: { visitId: string }) => {
      if (mine(p)) void reload();
    };
    socket.on('checkin:progress', onProgress);
    socket.on('checkin:sent', onChange);
    socket.on('checkin:shared', onChange);
    socket.on('safety:alert', onChange);
    socket.on('safety:acknowledged', onChange);
    return () => {
      socket.off('checkin:progress', onProgress);
      socket.off('checkin:sent', onChange);
      socket.off('checkin:shared', onChange);
      socket.off('safety:alert', onChange);
      socket.off('safety:acknowledged', onChange);
    };
  }, [socket, visitId, reload]);

  // Item wording for the result tables, fetched once per shared instrument.
  const sharedIds = useMemo(
    () => [...new Set(checkins.filter((c) => c.status === 'shared').map((c) => c.instrumentId))].sort().join(','),
    [checkins],
  );
  useEffect(() => {
    if (!sharedIds) return;
    let cancelled = false;
    for (const id of sharedIds.split(',')) {
      fetchInstrumentDetail(id).then(
        (d) => {
          if (!cancelled) setDefinitions((cur) => (cur[id] ? cur : { ...cur, [id]: d }));
        },
        () => undefined,
      );
    }
    return () => {
      cancelled = true;
    };
  }, [sharedIds]);

  const send = useCallback(
    async (ids: string[]) => {
      setSending(true);
      setSendError(null);
      try {
        await sendCheckins(visitId, ids);
        await reload();
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
      } finally {
        setSending(false);
      }
    },
    [visitId, reload],
  );

  const acknowledge = useCallback(async (checkinId: string, code: string) => {
    setAcknowledging(true);
    setAckError(null);
    try {
      const { alert } = await acknowledgeAlert(checkinId, code);
      setCheckins((cur) => cur.map((c) => (c.id === checkinId ? { ...c, alerts: c.alerts.map((a) => (a.code === code ? alert : a)) } : c)));
    } catch {
      setAckError('The acknowledgement was not recorded. Please try again.');
    } finally {
      setAcknowledging(false);
    }
  }, []);

  const openAlerts = useMemo(
    () =>
      checkins
        .flatMap((c) => c.alerts.filter((a) => a.acknowledgedAt === null).map((alert) => ({ checkin: c, alert })))
        .sort((a, b) => a.alert.raisedAt.localeCompare(b.alert.raisedAt)),
    [checkins],
  );

  return {
    instruments,
    checkins,
    patientId,
    definitions,
    loadError,
    sending,
    sendError,
    openAlerts,
    acknowledging,
    ackError,
    send,
    acknowledge,
  };
}
