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

/** Time in the call so far, next to the scheduled length; it keeps counting across a page reload. */
export function CallTimer({ visitId, durationMinutes }: { visitId: string; durationMinutes?: number }) {
  const { t } = useTranslation('video');
  const [startedAt] = useState(() => {
    const key = `alcove.call-start.${visitId}`;
    const saved = Number(sessionStorage.getItem(key));
    if (saved && Date.now() - saved < 6 * 3600_000) return saved;
    const now = Date.now();
    sessionStorage.setItem(key, String(now));
    return now;
  });
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const elapsed = now - startedAt;
  const over = durationMinutes !== undefined && elapsed > durationMinutes * 60_000;
  return (
    <span className={`call-timer${over ? ' call-timer-over' : ''}`} role="timer" aria-label={t('call.timerLabel')}>
      {clock(elapsed)}
      {durationMinutes !== undefined && <span className="muted"> · {t('call.scheduledLength', { minutes: durationMinutes })}</span>}
    </span>
  );
}
