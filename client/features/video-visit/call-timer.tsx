import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

const storageKey = (visitId: string) => `alcove.call-time.${visitId}`;

/** Time already counted in this tab for this visit (kept across a reload). */
function savedMs(visitId: string): number {
  const saved = Number(sessionStorage.getItem(storageKey(visitId)));
  return Number.isFinite(saved) && saved > 0 && saved < 12 * 3600_000 ? saved : 0;
}

/**
 * Time in the call so far, next to the scheduled length. It counts only while the viewer is
 * connected with someone else (never while the video service is down or nobody else is there),
 * and keeps what it counted across a page reload. Before anyone connected it shows no clock.
 */
export function CallTimer({ visitId, durationMinutes, running }: { visitId: string; durationMinutes?: number; running: boolean }) {
  const { t } = useTranslation('video');
  const [counted, setCounted] = useState(() => savedMs(visitId));

  useEffect(() => {
    if (!running) return;
    let last = Date.now();
    const id = setInterval(() => {
      const now = Date.now();
      const step = now - last;
      last = now;
      setCounted((ms) => {
        const next = ms + step;
        sessionStorage.setItem(storageKey(visitId), String(next));
        return next;
      });
    }, 1000);
    return () => clearInterval(id);
  }, [running, visitId]);

  const over = durationMinutes !== undefined && counted > durationMinutes * 60_000;
  const length = durationMinutes !== undefined && <span className="muted">{t('call.scheduledLength', { minutes: durationMinutes })}</span>;
  if (!running && counted === 0) return <span className="call-timer call-timer-idle">{length}</span>;
  return (
    <span className={`call-timer${over ? ' call-timer-over' : ''}`} role="timer" aria-label={t('call.timerLabel')}>
      {clock(counted)}
      {length && <> · {length}</>}
    </span>
  );
}
