import { useEffect, useId, useRef, useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import type { InstrumentItemView } from '@shared/api/instruments.schema';
import { DECLINED, type AnswerValue } from '@shared/instruments/definition.schema';

interface FieldProps {
  item: InstrumentItemView;
  /** A name unique on the page for the radio group. */
  name: string;
  value: AnswerValue | undefined;
  error?: string;
  /** "Question 3 of 10" above the text, when questions come one at a time. */
  position?: string;
  /** Receives the question text, so the panel can move focus to it. */
  questionRef?: Ref<HTMLSpanElement>;
  onChange: (value: AnswerValue | null) => void;
}

const TEXT_SAVE_DELAY_MS = 700;

function TextAnswer({
  item,
  value,
  onChange,
  describedBy,
  labelledBy,
}: Pick<FieldProps, 'item' | 'value' | 'onChange'> & { describedBy: string; labelledBy: string }) {
  const { t } = useTranslation('checkin');
  const declined = value === DECLINED;
  const saved = typeof value === 'string' && !declined ? value : '';
  const [draft, setDraft] = useState(saved);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastSent = useRef(saved);
  const max = item.maxLength ?? 1000;

  // A reload or a late load fills the box with what was saved, unless the patient is typing.
  useEffect(() => {
    if (timer.current === null) {
      setDraft(saved);
      lastSent.current = saved;
    }
  }, [saved]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const send = (text: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    if (text === lastSent.current) return;
    lastSent.current = text;
    onChange(text === '' ? null : text);
  };

  return (
    <>
      <textarea
        className="checkin-text"
        value={draft}
        maxLength={max}
        rows={5}
        aria-labelledby={labelledBy}
        aria-describedby={describedBy}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => send(text), TEXT_SAVE_DELAY_MS);
        }}
        onBlur={() => send(draft)}
      />
      <p className="checkin-hint" id={describedBy}>
        {declined ? t('declined') : t('charsLeft', { count: max - [...draft].length })}
      </p>
      <button
        type="button"
        className="btn checkin-decline-text"
        aria-pressed={declined}
        onClick={() => {
          if (timer.current) clearTimeout(timer.current);
          timer.current = null;
          setDraft('');
          lastSent.current = '';
          onChange(declined ? null : DECLINED);
        }}
      >
        {t('declineText')}
      </button>
    </>
  );
}

/**
 * One question: a radio group, a set of checkboxes (an "only this" option clears the others), or a
 * text box saved as the patient pauses. Every choice question lists "prefer not to answer" last.
 */
export function QuestionField({ item, name, value, error, position, questionRef, onChange }: FieldProps) {
  const { t } = useTranslation('checkin');
  const hintId = useId();
  const errorId = useId();
  const questionId = useId();
  const options = item.options ?? [];
  const real = options.filter((o) => o.code !== DECLINED);
  const decline = options.find((o) => o.code === DECLINED);
  const chosen = Array.isArray(value) ? value : value !== undefined ? [value] : [];

  function toggle(code: string, exclusive: boolean) {
    if (chosen.includes(code)) {
      const rest = chosen.filter((c) => c !== code);
      onChange(rest.length ? rest : null);
      return;
    }
    if (code === DECLINED || exclusive) {
      onChange(code === DECLINED ? DECLINED : [code]);
      return;
    }
    const others = chosen.filter((c) => c !== DECLINED && !options.find((o) => o.code === c)?.exclusive);
    onChange([...others, code]);
  }

  const describedBy = [item.help ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const legend = (
    <legend className="checkin-legend">
      {position && <span className="checkin-position">{position}</span>}
      <span className="checkin-question" id={questionId} ref={questionRef} tabIndex={-1}>
        {item.text}
      </span>
    </legend>
  );

  if (item.type === 'text') {
    return (
      <fieldset className="checkin-item">
        {legend}
        {item.help && (
          <p className="checkin-hint" id={hintId}>
            {item.help}
          </p>
        )}
        <TextAnswer item={item} value={value} onChange={onChange} describedBy={`${name}-count`} labelledBy={questionId} />
        {error && (
          <p className="field-error" id={errorId} role="alert">
            {t('notSaved')}
          </p>
        )}
      </fieldset>
    );
  }

  const multiple = item.type === 'multiple';
  const renderOption = (o: (typeof options)[number]) => {
    const checked = chosen.includes(o.code);
    return (
      <label
        key={o.code}
        className={`checkin-option${o.code === DECLINED ? ' checkin-option-decline' : ''}${checked ? ' is-checked' : ''}`}
      >
        <input
          type={multiple ? 'checkbox' : 'radio'}
          name={name}
          value={o.code}
          checked={checked}
          aria-describedby={describedBy}
          onChange={() => (multiple ? toggle(o.code, o.exclusive === true) : onChange(o.code))}
        />
        <span>{o.display}</span>
      </label>
    );
  };

  return (
    <fieldset className="checkin-item">
      {legend}
      {item.help && (
        <p className="checkin-hint" id={hintId}>
          {item.help}
        </p>
      )}
      <div className="checkin-options">{real.map(renderOption)}</div>
      {decline && <div className="checkin-options checkin-options-decline">{renderOption(decline)}</div>}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {t('notSaved')}
        </p>
      )}
    </fieldset>
  );
}
