import { useCallback, useEffect, useRef, useState } from 'react';
import type { WaitingMessage } from '@shared/api/waiting-room.schema';
import { DobMismatchDetailsSchema, DobRequiredDetailsSchema, TooEarlyDetailsSchema } from '@shared/api/join.schema';
import type { ParticipantState } from '@shared/api/visits.schema';
import { ApiError } from '../../lib/api';
import { browserLanguage, isLanguage, setLanguage, type Language } from '../../lib/i18n';
import { useSocket, useSocketEvent } from '../../lib/socket';
import { postConsent, postJoin, postLeave, postWaitingRoom, type JoinResponse } from './join-api';

/** Where the patient is in the visit, from opening the link to the end. */
export type JoinStage =
  | { kind: 'loading' }
  | { kind: 'dob'; clinicName: string | null; error: 'mismatch' | 'rate_limited' | null; retryAfterSeconds?: number; attemptsLeft?: number }
  | { kind: 'too_early'; opensAt: string | null }
  | { kind: 'closed'; reason: 'expired' | 'revoked' | 'cancelled' | 'not_found' | 'rate_limited' | 'network' | 'error' }
  | { kind: 'consent' }
  | { kind: 'devices' }
  | { kind: 'waiting' }
  | { kind: 'call' }
  | { kind: 'left'; from: 'waiting' | 'call' }
  | { kind: 'denied' }
  | { kind: 'ended' }
  /** Another device with this link was admitted: this one's session ended, and it holds no video. */
  | { kind: 'moved' };

export type StageKind = JoinStage['kind'];

const LANG_KEY = 'alcove.lang';
const leftKey = (visitId: string) => `alcove.left.${visitId}`;

/** The stage a (re)loaded page resumes at, from the server's view of this participant. */
function resumeStage(r: JoinResponse): JoinStage {
  if (r.visit.status === 'completed') return { kind: 'ended' };
  if (r.visit.status === 'cancelled') return { kind: 'closed', reason: 'cancelled' };
  if (!r.participant.consented) return { kind: 'consent' };
  const byState: Record<ParticipantState, JoinStage> = {
    joining: { kind: 'devices' },
    waiting: { kind: 'waiting' },
    admitted: { kind: 'call' },
    denied: { kind: 'denied' },
    removed: { kind: 'ended' },
    // Someone who pressed "leave" sees that screen again; a dropped tab goes back through the device check.
    left: sessionStorage.getItem(leftKey(r.visit.id)) ? { kind: 'left', from: 'waiting' } : { kind: 'devices' },
  };
  return byState[r.participant.state];
}

function stageForError(err: unknown): JoinStage {
  if (!(err instanceof ApiError)) return { kind: 'closed', reason: 'error' };
  switch (err.code) {
    case 'dob_required':
      return { kind: 'dob', clinicName: err.readDetails(DobRequiredDetailsSchema)?.clinicName ?? null, error: null };
    case 'too_early':
      return { kind: 'too_early', opensAt: err.readDetails(TooEarlyDetailsSchema)?.opensAt ?? null };
    case 'visit_ended':
    case 'participant_removed':
      return { kind: 'ended' };
    case 'link_expired':
      return { kind: 'closed', reason: 'expired' };
    case 'link_revoked':
      return { kind: 'closed', reason: 'revoked' };
    case 'visit_cancelled':
      return { kind: 'closed', reason: 'cancelled' };
    case 'not_found':
      return { kind: 'closed', reason: 'not_found' };
    case 'rate_limited':
      return { kind: 'closed', reason: 'rate_limited' };
    case 'network_error':
      return { kind: 'closed', reason: 'network' };
    default:
      return { kind: 'closed', reason: 'error' };
  }
}

export interface JoinFlow {
  stage: JoinStage;
  join: JoinResponse | null;
  lang: Language;
  setLang(lang: Language): void;
  waitingMessage: WaitingMessage | null;
  /** null until the server tells us. */
  clinicianOnline: boolean | null;
  socketConnected: boolean;
  busy: boolean;
  actionError: string | null;
  submitDob(dateOfBirth: string): Promise<void>;
  acceptConsent(): Promise<void>;
  enterWaitingRoom(): Promise<void>;
  backToDevices(): void;
  leave(from?: 'waiting' | 'call'): Promise<void>;
  rejoin(): Promise<void>;
  /** The call reports the visit ended (removed, room closed). */
  markEnded(): void;
  /** The call was refused a token: we are not (or no longer) admitted. */
  markNotAdmitted(): void;
}

/**
 * The patient's path through a visit link: join (with a date-of-birth check when asked), consent,
 * device check, waiting room, call. The server is the authority: every reload asks it where the
 * patient is, and live changes arrive over the socket.
 */
export function useJoinFlow(token: string): JoinFlow {
  const [stage, setStage] = useState<JoinStage>({ kind: 'loading' });
  const [join, setJoin] = useState<JoinResponse | null>(null);
  const [lang, setLangState] = useState<Language>(() => {
    const saved = sessionStorage.getItem(LANG_KEY);
    return isLanguage(saved) ? saved : browserLanguage();
  });
  const [waitingMessage, setWaitingMessage] = useState<WaitingMessage | null>(null);
  const [clinicianOnline, setClinicianOnline] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const stageRef = useRef(stage);
  useEffect(() => {
    stageRef.current = stage;
  }, [stage]);
  const visitId = join?.visit.id ?? null;

  useEffect(() => setLanguage(lang), [lang]);

  const setLang = useCallback((l: Language) => {
    sessionStorage.setItem(LANG_KEY, l);
    setLangState(l);
  }, []);

  const applyJoin = useCallback((r: JoinResponse) => {
    setJoin(r);
    setWaitingMessage(r.waitingMessage);
    if (!sessionStorage.getItem(LANG_KEY) && isLanguage(r.patient.preferredLanguage)) setLangState(r.patient.preferredLanguage);
    setStage((prev) => {
      const next = resumeStage(r);
      // A re-sync never drags a patient back from the device check they are in the middle of.
      if (prev.kind === 'devices' && next.kind === 'devices') return prev;
      return next;
    });
  }, []);

  useEffect(() => {
    let cancelled = false;
    postJoin(token)
      .then((r) => !cancelled && applyJoin(r))
      .catch((err: unknown) => {
        if (cancelled) return;
        setStage(stageForError(err));
      });
    return () => {
      cancelled = true;
    };
  }, [token, applyJoin]);

  // The patient socket exists only once the join has set the session cookie.
  const joined = join !== null;
  const participantId = join?.participant.id ?? null;
  const { connected, connections } = useSocket(joined);
  const forThisVisit = (p: { visitId: string }) => p.visitId === visitId;

  useSocketEvent(
    'participant:state',
    (p) => {
      if (p.participantId !== participantId) return;
      // The server's word wins from any screen of the visit: denied → sent back → admitted reaches the call live.
      setStage((current) => {
        if (p.state === 'denied') return { kind: 'denied' };
        if (p.state === 'removed') return { kind: 'ended' };
        const inVisit = current.kind === 'devices' || current.kind === 'waiting' || current.kind === 'call' || current.kind === 'denied';
        if (p.state === 'admitted' && inVisit) return { kind: 'call' };
        // In the middle of a device check the patient stays there; Continue takes them to the waiting room.
        if (p.state === 'waiting' && (current.kind === 'call' || current.kind === 'denied')) return { kind: 'waiting' };
        return current;
      });
    },
    joined,
  );
  useSocketEvent('participant:moved', (p) => p.participantId === participantId && setStage({ kind: 'moved' }), joined);
  useSocketEvent('visit:waiting-message', (p) => forThisVisit(p) && setWaitingMessage(p.message), joined);
  useSocketEvent('visit:clinician-presence', (p) => forThisVisit(p) && setClinicianOnline(p.online), joined);
  useSocketEvent('visit:ended', (p) => forThisVisit(p) && setStage({ kind: 'ended' }), joined);
  useSocketEvent(
    'visit:status',
    (p) => {
      if (!forThisVisit(p)) return;
      if (p.status === 'completed') setStage({ kind: 'ended' });
      if (p.status === 'cancelled') setStage({ kind: 'closed', reason: 'cancelled' });
    },
    joined,
  );

  // After a dropped socket we may have missed events: ask the server where we are.
  useEffect(() => {
    if (connections < 2) return;
    const kind = stageRef.current.kind;
    // A moved device must not knock again: joining now would make it a new arrival.
    if (kind === 'ended' || kind === 'left' || kind === 'closed' || kind === 'moved') return;
    postJoin(token)
      .then(applyJoin)
      .catch(() => undefined);
  }, [connections, token, applyJoin]);

  const resync = useCallback(async () => {
    try {
      applyJoin(await postJoin(token));
    } catch (err) {
      setStage(stageForError(err));
    }
  }, [token, applyJoin]);

  const run = useCallback(
    async (action: () => Promise<void>, fallbackError: string) => {
      setBusy(true);
      setActionError(null);
      try {
        await action();
      } catch (err) {
        // The server refused because our picture is stale (denied, removed, visit over): ask it where we are.
        if (err instanceof ApiError && (err.code === 'conflict' || err.code === 'forbidden')) await resync();
        else setActionError(fallbackError);
      } finally {
        setBusy(false);
      }
    },
    [resync],
  );

  const submitDob = useCallback(
    async (dateOfBirth: string) => {
      setBusy(true);
      try {
        applyJoin(await postJoin(token, dateOfBirth));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'dob_mismatch') {
          const attemptsLeft = err.readDetails(DobMismatchDetailsSchema)?.attemptsLeft;
          setStage((s) => (s.kind === 'dob' ? { ...s, error: 'mismatch', attemptsLeft } : s));
        } else if (err instanceof ApiError && err.code === 'rate_limited')
          setStage((s) => (s.kind === 'dob' ? { ...s, error: 'rate_limited', retryAfterSeconds: err.retryAfterSeconds } : s));
        else setStage(stageForError(err));
      } finally {
        setBusy(false);
      }
    },
    [token, applyJoin],
  );

  const acceptConsent = useCallback(
    () =>
      run(async () => {
        if (!visitId) return;
        await postConsent(visitId);
        setJoin((j) => (j ? { ...j, participant: { ...j.participant, consented: true } } : j));
        setStage({ kind: 'devices' });
      }, 'consent'),
    [run, visitId],
  );

  const enterWaitingRoom = useCallback(
    () =>
      run(async () => {
        if (!visitId) return;
        const r = await postWaitingRoom(visitId);
        sessionStorage.removeItem(leftKey(visitId));
        // Admission may already have happened (a clinician admitted from an earlier visit to the room).
        setStage(r.participant.state === 'admitted' ? { kind: 'call' } : { kind: 'waiting' });
      }, 'waiting'),
    [run, visitId],
  );

  const leave = useCallback(
    (from: 'waiting' | 'call' = 'waiting') =>
      run(async () => {
        if (!visitId) return;
        sessionStorage.setItem(leftKey(visitId), '1');
        await postLeave(visitId).catch(() => undefined);
        setStage({ kind: 'left', from });
      }, 'leave'),
    [run, visitId],
  );

  const rejoin = useCallback(() => enterWaitingRoom(), [enterWaitingRoom]);
  const backToDevices = useCallback(() => setStage({ kind: 'devices' }), []);
  const markEnded = useCallback(() => setStage({ kind: 'ended' }), []);
  const markNotAdmitted = useCallback(() => setStage({ kind: 'waiting' }), []);

  return {
    stage,
    join,
    lang,
    setLang,
    waitingMessage,
    clinicianOnline,
    socketConnected: connected,
    busy,
    actionError,
    submitDob,
    acceptConsent,
    enterWaitingRoom,
    backToDevices,
    leave,
    rejoin,
    markEnded,
    markNotAdmitted,
  };
}
