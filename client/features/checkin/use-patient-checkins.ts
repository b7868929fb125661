import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CrisisResources, PatientCheckin, PatientResult } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import type { AnswerValue } from '@shared/instruments/definition.schema';
import { ApiError } from '../../lib/api';
import { isLanguage, type Language } from '../../lib/i18n';
import { useSocket, useSocketEvent } from '../../lib/socket';
import { AnswerOutbox, type OutboxItem, type SaveState } from './answer-outbox';
import { myCheckinsKey, putAnswer, useCheckinInstruments, useMyCheckins, useShareCheckin } from './checkin-api';

export interface CheckinEntry {
  checkin: PatientCheckin;
  definition: InstrumentDetail | null;
  /** What the patient sees: the server's answers with any not-yet-saved ones on top. */
  answers: Record<string, AnswerValue>;
  crisis: CrisisResources | null;
  result: PatientResult | null;
}

export type { SaveState } from './answer-outbox';

export interface PatientCheckins {
  lang: Language;
  entries: CheckinEntry[];
  /** The check-in the panel shows, or null when the panel should be away. */
  active: CheckinEntry | null;
  /** The active check-in was just shared: show the thank-you screen. */
  activeDone: boolean;
  /** A check-in waits that the patient put off: show the neutral reminder. */
  reminder: boolean;
  hidden: boolean;
  saveState: SaveState;
  /** Per-item save errors, keyed `${checkinId}|${linkId}`. */
  itemErrors: Record<string, string>;
  sharing: boolean;
  shareError: 'failed' | 'unsaved' | null;
  isSafeConfirmed: (checkinId: string) => boolean;
  confirmSafe: (checkinId: string) => void;
  defer: (checkinId: string) => void;
  resume: () => void;
  hide: () => void;
  show: () => void;
  setAnswer: (checkinId: string, linkId: string, value: AnswerValue | null) => void;
  share: (checkinId: string) => Promise<void>;
  closeDone: () => void;
}

// Ids only: which check-ins were put off or cleared as safe in this tab. Never answers.
const DEFERRED_KEY = 'alcove.checkin.deferred';
const SAFE_KEY = 'alcove.checkin.safe';
// Whether the panel is hidden: phones reload background tabs, and a hidden panel must stay hidden.
const hiddenKey = (visitId: string) => `alcove.checkin.hidden.${visitId}`;

function readHidden(visitId: string): boolean {
  try {
    return sessionStorage.getItem(hiddenKey(visitId)) === '1';
  } catch {
    return false;
  }
}

function writeHidden(visitId: string, hidden: boolean) {
  try {
    if (hidden) sessionStorage.setItem(hiddenKey(visitId), '1');
    else sessionStorage.removeItem(hiddenKey(visitId));
  } catch {
    /* private mode: remembered for this page only */
  }
}

function readSet(key: string): Set<string> {
  try {
    const v: unknown = JSON.parse(sessionStorage.getItem(key) ?? '[]');
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

function writeSet(key: string, set: Set<string>) {
  try {
    sessionStorage.setItem(key, JSON.stringify([...set]));
  } catch {
    /* private mode: remembered for this page only */
  }
}

type AnswerMap = Record<string, Record<string, AnswerValue>>;

/** The server's answers with whatever still waits in the outbox laid on top. */
function withPending(list: PatientCheckin[], pending: OutboxItem[]): AnswerMap {
  const out: AnswerMap = {};
  for (const c of list) out[c.id] = { ...c.answers };
  for (const p of pending) {
    const answers = out[p.checkinId];
    if (!answers) continue;
    if (p.value === null) delete answers[p.linkId];
    else answers[p.linkId] = p.value;
  }
  return out;
}

const NO_CHECKINS: PatientCheckin[] = [];

/**
 * The patient's check-ins in this visit: loads them (and restores saved answers after a reload),
 * hears new ones over the socket, saves every answer the moment it is given (through the answer
 * outbox, which retries through a dropped connection), shares, and keeps the panel's privacy state
 * (put off, hidden).
 */
export function usePatientCheckins(visitId: string): PatientCheckins {
  const { i18n } = useTranslation('checkin');
  const lang: Language = isLanguage(i18n.language) ? i18n.language : 'en';
  const queryClient = useQueryClient();
  const mine = useMyCheckins(visitId, lang);
  const checkins = mine.data ?? NO_CHECKINS;
  const definitions = useCheckinInstruments(checkins, lang);
  const shareMutation = useShareCheckin(visitId, lang);

  const [crisis, setCrisis] = useState<Record<string, CrisisResources>>({});
  const [results, setResults] = useState<Record<string, PatientResult>>({});
  const [deferred, setDeferred] = useState<Set<string>>(() => readSet(DEFERRED_KEY));
  const [safe, setSafe] = useState<Set<string>>(() => readSet(SAFE_KEY));
  const [doneId, setDoneId] = useState<string | null>(null);
  const [hidden, setHiddenState] = useState(() => readHidden(visitId));
  const setHidden = useCallback(
    (value: boolean) => {
      writeHidden(visitId, value);
      setHiddenState(value);
    },
    [visitId],
  );
  const [saveState, setSaveState] = useState<SaveState>('idle');
  const [itemErrors, setItemErrors] = useState<Record<string, string>>({});
  const [shareError, setShareError] = useState<PatientCheckins['shareError']>(null);

  const [outbox] = useState(
    () =>
      new AnswerOutbox({
        save: (item) => putAnswer(item.checkinId, item.linkId, item.value),
        onStateChange: setSaveState,
        onSaved: (item, res) => {
          const resources = res.crisisResources;
          if (resources) setCrisis((cur) => ({ ...cur, [item.checkinId]: resources }));
        },
        onItemError: (key, message) =>
          setItemErrors((cur) => {
            if (message !== null) return { ...cur, [key]: message };
            if (!(key in cur)) return cur;
            const next = { ...cur };
            delete next[key];
            return next;
          }),
        // Shared elsewhere, visit over, session gone: see what the server says now.
        onClosed: () => void queryClient.invalidateQueries({ queryKey: myCheckinsKey(visitId) }),
      }),
  );
  useEffect(() => () => outbox.dispose(), [outbox]);

  // What the patient sees: the last load (with unsaved answers on top), then their answers since.
  const loadedAt = mine.dataUpdatedAt;
  const loaded = useMemo(() => withPending(checkins, outbox.pending()), [checkins, outbox, loadedAt]); // eslint-disable-line react-hooks/exhaustive-deps
  const [edits, setEdits] = useState<{ loadedAt: number; answers: AnswerMap } | null>(null);
  const local = edits && edits.loadedAt === loadedAt ? edits.answers : loaded;

  useSocketEvent('checkin:sent', (p) => {
    if (p.visitId === visitId) void queryClient.invalidateQueries({ queryKey: myCheckinsKey(visitId) });
  });
  // After every (re)connection the provider fetches the check-ins again; save what waited too.
  const { connections } = useSocket();
  useEffect(() => {
    if (connections > 0) void outbox.flush();
  }, [connections, outbox]);
  useEffect(() => {
    const handleOnline = () => void outbox.flush();
    window.addEventListener('online', handleOnline);
    return () => window.removeEventListener('online', handleOnline);
  }, [outbox]);

  const setAnswer = useCallback(
    (checkinId: string, linkId: string, value: AnswerValue | null) => {
      setEdits((cur) => {
        const base = cur && cur.loadedAt === loadedAt ? cur.answers : loaded;
        const answers = { ...(base[checkinId] ?? {}) };
        if (value === null) delete answers[linkId];
        else answers[linkId] = value;
        return { loadedAt, answers: { ...base, [checkinId]: answers } };
      });
      void outbox.put(checkinId, linkId, value);
    },
    [outbox, loaded, loadedAt],
  );

  const { mutateAsync: shareAsync } = shareMutation;
  const share = useCallback(
    async (checkinId: string) => {
      setShareError(null);
      await outbox.flush();
      if (outbox.hasPending(checkinId)) {
        setShareError('unsaved');
        return;
      }
      try {
        const res = await shareAsync(checkinId);
        setResults((cur) => ({ ...cur, [checkinId]: res.result }));
        const resources = res.crisisResources;
        if (resources) setCrisis((cur) => ({ ...cur, [checkinId]: resources }));
        setDoneId(checkinId);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'already_shared') {
          setDoneId(checkinId);
          void queryClient.invalidateQueries({ queryKey: myCheckinsKey(visitId) });
        } else {
          setShareError('failed');
        }
      }
    },
    [outbox, shareAsync, queryClient, visitId],
  );

  const entries: CheckinEntry[] = useMemo(
    () =>
      checkins.map((c) => ({
        checkin: c,
        definition: definitions[c.instrumentId] ?? null,
        answers: local[c.id] ?? c.answers,
        crisis: c.crisisResources ?? crisis[c.id] ?? null,
        result: c.result ?? results[c.id] ?? null,
      })),
    [checkins, definitions, local, crisis, results],
  );

  const done = doneId ? (entries.find((e) => e.checkin.id === doneId) ?? null) : null;
  const next = entries.find((e) => e.checkin.status !== 'shared' && !deferred.has(e.checkin.id)) ?? null;
  const active = done ?? next;

  const defer = useCallback((checkinId: string) => {
    setDeferred((cur) => {
      const n = new Set(cur).add(checkinId);
      writeSet(DEFERRED_KEY, n);
      return n;
    });
  }, []);

  return {
    lang,
    entries,
    active,
    activeDone: done !== null,
    reminder: active === null && entries.some((e) => e.checkin.status !== 'shared' && deferred.has(e.checkin.id)),
    hidden,
    saveState,
    itemErrors,
    sharing: shareMutation.isPending,
    shareError,
    isSafeConfirmed: (id) => safe.has(id),
    confirmSafe: (id) =>
      setSafe((cur) => {
        const n = new Set(cur).add(id);
        writeSet(SAFE_KEY, n);
        return n;
      }),
    defer,
    resume: () => {
      // Reopened by the patient: everything put off comes back, and the safety question is asked again.
      setDeferred(() => {
        const n = new Set<string>();
        writeSet(DEFERRED_KEY, n);
        return n;
      });
      setSafe((cur) => {
        const n = new Set([...cur].filter((id) => !deferred.has(id)));
        writeSet(SAFE_KEY, n);
        return n;
      });
      setHidden(false);
    },
    hide: () => setHidden(true),
    show: () => setHidden(false),
    setAnswer,
    share,
    closeDone: () => {
      setDoneId(null);
      setShareError(null);
    },
  };
}
