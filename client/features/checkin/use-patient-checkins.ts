import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CrisisResources, PatientCheckin, PatientResult } from '@shared/api/checkins.schema';
import type { InstrumentDetail } from '@shared/api/instruments.schema';
import type { AnswerValue } from '@shared/instruments/definition.schema';
import { ApiError } from '../../lib/api';
import { isLanguage, type Language } from '../../lib/i18n';
import { useSocket } from '../../lib/socket';
import { fetchInstrument, fetchMyCheckins, putAnswer, submitCheckin } from './checkin-api';

export interface CheckinEntry {
  checkin: PatientCheckin;
  definition: InstrumentDetail | null;
  /** What the patient sees: the server's answers with any not-yet-saved ones on top. */
  answers: Record<string, AnswerValue>;
  crisis: CrisisResources | null;
  result: PatientResult | null;
}

/** idle: nothing to save · saving · saved · offline: kept here, retried · closed: the visit no longer takes answers. */
export type SaveState = 'idle' | 'saving' | 'saved' | 'offline' | 'closed';

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

type Pending = { checkinId: string; linkId: string; value: AnswerValue | null };

// Ids only: which check-ins were put off or cleared as safe in this tab. Never answers.
const DEFERRED_KEY = 'alcove.checkin.deferred';
const SAFE_KEY = 'alcove.checkin.safe';

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

const same = (a: AnswerValue | null | undefined, b: AnswerValue | null | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The patient's check-ins in this visit: loads them (and restores saved answers after a reload),
 * hears new ones over the socket, saves every answer the moment it is given (retrying through a
 * dropped connection), shares, and keeps the panel's privacy state (put off, hidden).
 */
export function usePatientCheckins(visitId: string): PatientCheckins {
  const { i18n } = useTranslation('checkin');
  const lang: Language = isLanguage(i18n.language) ? i18n.language : 'en';
  const [checkins, setCheckins] = useState<PatientCheckin[]>([]);
  const [definitions, setDefinitions] = useState<Record<string, InstrumentDetail>>({});
  const [local, setLocal] = useState<Record<string, Record<string, AnswerValue>>>({});
  const [crisis, setCrisis] = useState<Record<string, CrisisResources>>({});
  const [results, setResults] = useState<Record<string, PatientResult>>({});
  const [deferred, setDeferred] = useState<Set<string>>(() => readSet(DEFERRED_KEY));
  const [safe, setSafe] = useState<Set<string>>(() => readSet(SAFE_KEY));
  const [doneId, setDoneId] = useState<string | null>(null);
  const [hidden, setHidden] = useState(false);
  const [saveState, setSaveState] = useState<SaveState>('idle');
  const [itemErrors, setItemErrors] = useState<Record<string, string>>({});
  const [sharing, setSharing] = useState(false);
  const [shareError, setShareError] = useState<PatientCheckins['shareError']>(null);
  const [definitionAttempt, setDefinitionAttempt] = useState(0);

  const pending = useRef(new Map<string, Pending>());
  const flushing = useRef(false);
  const retryTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const retryDelay = useRef(2000);
  const loadSeq = useRef(0);

  const apply = useCallback((list: PatientCheckin[]) => {
    setCheckins(list);
    // Saved answers from the server, with anything still waiting to be saved laid on top.
    setLocal(() => {
      const next: Record<string, Record<string, AnswerValue>> = {};
      for (const c of list) next[c.id] = { ...c.answers };
      for (const p of pending.current.values()) {
        const answers = next[p.checkinId];
        if (!answers) continue;
        if (p.value === null) delete answers[p.linkId];
        else answers[p.linkId] = p.value;
      }
      return next;
    });
    setCrisis((cur) => {
      const next = { ...cur };
      for (const c of list) if (c.crisisResources) next[c.id] = c.crisisResources;
      return next;
    });
    setResults((cur) => {
      const next = { ...cur };
      for (const c of list) if (c.result) next[c.id] = c.result;
      return next;
    });
  }, []);

  const reload = useCallback((): Promise<void> => {
    const seq = ++loadSeq.current;
    return fetchMyCheckins(visitId, lang).then(
      (list) => {
        if (seq === loadSeq.current) apply(list);
      },
      () => undefined, // the socket's reconnect and the next event trigger another load
    );
  }, [visitId, lang, apply]);

  useEffect(() => {
    void reload();
  }, [reload]);

  // Definitions of the instruments sent, in the page's language.
  const instrumentIds = useMemo(() => [...new Set(checkins.map((c) => c.instrumentId))].sort().join(','), [checkins]);
  useEffect(() => {
    if (!instrumentIds) return;
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      for (const id of instrumentIds.split(',')) {
        try {
          const def = await fetchInstrument(id, lang);
          if (!cancelled) setDefinitions((cur) => ({ ...cur, [id]: def }));
        } catch {
          // Shown as "loading" meanwhile; tried again shortly.
          if (!cancelled) retry = setTimeout(() => setDefinitionAttempt((n) => n + 1), 3000);
          return;
        }
      }
    })();
    return () => {
      cancelled = true;
      if (retry) clearTimeout(retry);
    };
  }, [instrumentIds, lang, definitionAttempt]);

  const flush = useCallback(async () => {
    if (flushing.current) return;
    flushing.current = true;
    let savedSomething = false;
    try {
      while (pending.current.size > 0) {
        const [key, item] = pending.current.entries().next().value as [string, Pending];
        setSaveState('saving');
        try {
          const res = await putAnswer(item.checkinId, item.linkId, item.value);
          // A newer answer to the same question may have arrived meanwhile; it stays queued.
          if (same(pending.current.get(key)?.value, item.value)) pending.current.delete(key);
          savedSomething = true;
          retryDelay.current = 2000;
          setItemErrors((cur) => {
            if (!(key in cur)) return cur;
            const next = { ...cur };
            delete next[key];
            return next;
          });
          if (res.crisisResources) {
            const resources = res.crisisResources;
            setCrisis((cur) => ({ ...cur, [item.checkinId]: resources }));
          }
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', 'network');
          if (e.status === 0 || e.status >= 500 || e.status === 429) {
            // Kept on screen and retried: a dropped connection or a restarting server loses nothing.
            setSaveState('offline');
            const wait = e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : retryDelay.current;
            retryDelay.current = Math.min(retryDelay.current * 2, 30_000);
            if (retryTimer.current) clearTimeout(retryTimer.current);
            retryTimer.current = setTimeout(() => void flush(), wait);
            return;
          }
          pending.current.delete(key);
          if (e.status === 400) {
            setItemErrors((cur) => ({ ...cur, [key]: e.message }));
          } else {
            // Shared elsewhere, visit over, session gone: nothing more can be saved here.
            for (const [k, p] of pending.current) if (p.checkinId === item.checkinId) pending.current.delete(k);
            setSaveState('closed');
            void reload();
            return;
          }
        }
      }
      if (savedSomething) setSaveState('saved');
    } finally {
      flushing.current = false;
    }
  }, [reload]);

  const { socket, connections } = useSocket(true);
  useEffect(() => {
    if (!socket) return;
    const onSent = (p: { visitId: string }) => {
      if (p.visitId === visitId) void reload();
    };
    socket.on('checkin:sent', onSent);
    return () => {
      socket.off('checkin:sent', onSent);
    };
  }, [socket, visitId, reload]);

  // After every (re)connection: catch up on anything missed, and save what waited.
  useEffect(() => {
    if (connections === 0) return;
    void reload();
    void flush();
  }, [connections, reload, flush]);

  useEffect(() => {
    const onOnline = () => void flush();
    window.addEventListener('online', onOnline);
    return () => {
      window.removeEventListener('online', onOnline);
      if (retryTimer.current) clearTimeout(retryTimer.current);
    };
  }, [flush]);

  const setAnswer = useCallback(
    (checkinId: string, linkId: string, value: AnswerValue | null) => {
      setLocal((cur) => {
        const answers = { ...(cur[checkinId] ?? {}) };
        if (value === null) delete answers[linkId];
        else answers[linkId] = value;
        return { ...cur, [checkinId]: answers };
      });
      const key = `${checkinId}|${linkId}`;
      pending.current.delete(key); // re-insert at the end, so saves keep the order answers were given
      pending.current.set(key, { checkinId, linkId, value });
      void flush();
    },
    [flush],
  );

  const share = useCallback(
    async (checkinId: string) => {
      setShareError(null);
      await flush();
      if ([...pending.current.values()].some((p) => p.checkinId === checkinId)) {
        setShareError('unsaved');
        return;
      }
      setSharing(true);
      try {
        const res = await submitCheckin(checkinId, lang);
        setResults((cur) => ({ ...cur, [checkinId]: res.result }));
        if (res.crisisResources) {
          const resources = res.crisisResources;
          setCrisis((cur) => ({ ...cur, [checkinId]: resources }));
        }
        setCheckins((cur) => cur.map((c) => (c.id === checkinId ? { ...c, status: 'shared', sharedAt: new Date().toISOString() } : c)));
        setDoneId(checkinId);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'already_shared') {
          setDoneId(checkinId);
          void reload();
        } else {
          setShareError('failed');
        }
      } finally {
        setSharing(false);
      }
    },
    [flush, lang, reload],
  );

  const entries: CheckinEntry[] = useMemo(
    () =>
      checkins.map((c) => ({
        checkin: c,
        definition: definitions[c.instrumentId] ?? null,
        answers: local[c.id] ?? c.answers,
        crisis: crisis[c.id] ?? null,
        result: results[c.id] ?? null,
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
    sharing,
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
