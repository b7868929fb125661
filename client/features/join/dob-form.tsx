import { useRef, useState, type ChangeEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { localeFor, type Language } from '../../lib/i18n';

type Part = 'day' | 'month' | 'year';

/** Day, month and year in the order the patient's locale writes them (en-US: month first). */
function partOrder(lang: Language): Part[] {
  const parts = new Intl.DateTimeFormat(localeFor(lang), { year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(
    new Date(2000, 10, 22),
  );
  const order = parts.map((p) => p.type).filter((t): t is Part => t === 'day' || t === 'month' || t === 'year');
  return order.length === 3 ? order : ['day', 'month', 'year'];
}

const MAX_LENGTH: Record<Part, number> = { day: 2, month: 2, year: 4 };

/**
 * Whether a part is complete as typed, so the cursor can move on by itself: two digits, or one
 * digit that no second digit could follow (a day of 4–9, a month of 2–9).
 */
function isComplete(part: Part, value: string): boolean {
  if (value.length >= MAX_LENGTH[part]) return true;
  if (value.length !== 1) return false;
  if (part === 'day') return Number(value) >= 4;
  if (part === 'month') return Number(value) >= 2;
  return false;
}

function toIsoDate(day: string, month: string, year: string): string | null {
  const d = Number(day);
  const m = Number(month);
  const y = Number(year);
  if (!Number.isInteger(d) || !Number.isInteger(m) || !Number.isInteger(y) || year.length !== 4) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  if (y < 1900 || date.getTime() > Date.now()) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * The date-of-birth check some clinics turn on. It shows only the clinic's name: nothing about the
 * visit until the patient has proved it is theirs.
 */
export function DobForm({
  clinicName,
  lang,
  error,
  retryAfterSeconds,
  attemptsLeft,
  busy,
  onSubmit,
}: {
  clinicName: string | null;
  lang: Language;
  error: 'mismatch' | 'rate_limited' | null;
  retryAfterSeconds?: number;
  /** After a wrong date: how many tries this link has left before a pause. */
  attemptsLeft?: number;
  busy: boolean;
  onSubmit: (isoDate: string) => void;
}) {
  const { t } = useTranslation('join');
  const [values, setValues] = useState<Record<Part, string>>({ day: '', month: '', year: '' });
  const [invalid, setInvalid] = useState(false);
  const order = partOrder(lang);
  const inputs = useRef<Partial<Record<Part, HTMLInputElement | null>>>({});

  // One thumb: a finished part moves the cursor to the next; Backspace in an empty part goes back.
  function handleChange(part: Part, e: ChangeEvent<HTMLInputElement>) {
    const value = e.target.value.replace(/\D/g, '').slice(0, MAX_LENGTH[part]);
    setValues((v) => ({ ...v, [part]: value }));
    const next = order[order.indexOf(part) + 1];
    if (next && isComplete(part, value) && value.length > values[part].length) inputs.current[next]?.focus();
  }

  function handleKeyDown(part: Part, e: KeyboardEvent<HTMLInputElement>) {
    const previous = order[order.indexOf(part) - 1];
    if (e.key === 'Backspace' && values[part] === '' && previous) {
      e.preventDefault();
      inputs.current[previous]?.focus();
    }
  }

  function handleSubmit(e: FormEvent) {
    e.preventDefault();
    const iso = toIsoDate(values.day, values.month, values.year);
    setInvalid(iso === null);
    if (iso) onSubmit(iso);
  }

  const message = invalid
    ? t('dob.invalid')
    : error === 'mismatch'
      ? `${t('dob.mismatch')}${attemptsLeft !== undefined ? ` ${t('dob.triesLeft', { count: attemptsLeft })}` : ''}`
      : error === 'rate_limited'
        ? retryAfterSeconds
          ? t('dob.rateLimitedFor', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) })
          : t('dob.rateLimited')
        : null;

  return (
    <section className="card join-card" aria-labelledby="dob-title">
      {clinicName && <p className="clinic-name">{clinicName}</p>}
      <h1 id="dob-title">{t('dob.title')}</h1>
      <p>{t('dob.why')}</p>
      <form onSubmit={handleSubmit} noValidate>
        {message && (
          <div className="alert alert-error" role="alert" id="dob-error">
            {message}
          </div>
        )}
        <fieldset className="dob-fieldset" aria-describedby={message ? 'dob-error' : undefined}>
          <legend>{t('dob.legend')}</legend>
          <div className="dob-parts">
            {order.map((part) => (
              <div key={part} className={`dob-part dob-${part}`}>
                <label htmlFor={`dob-${part}`}>{t(`dob.${part}`)}</label>
                <input
                  id={`dob-${part}`}
                  ref={(el) => {
                    inputs.current[part] = el;
                  }}
                  inputMode="numeric"
                  pattern="[0-9]*"
                  maxLength={MAX_LENGTH[part]}
                  placeholder={t(`dob.${part}Hint`)}
                  autoComplete={part === 'day' ? 'bday-day' : part === 'month' ? 'bday-month' : 'bday-year'}
                  enterKeyHint={part === order[order.length - 1] ? 'done' : 'next'}
                  aria-invalid={message ? true : undefined}
                  value={values[part]}
                  onChange={(e) => handleChange(part, e)}
                  onKeyDown={(e) => handleKeyDown(part, e)}
                />
              </div>
            ))}
          </div>
        </fieldset>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy || error === 'rate_limited'}>
          {busy ? t('dob.checking') : t('dob.submit')}
        </button>
      </form>
    </section>
  );
}
