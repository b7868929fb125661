import { useId } from 'react';
import type { VisitNote } from '@shared/api/visit-notes.schema';

export const noteTime = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' }).format(
    new Date(iso),
  );
export const noteDay = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric' }).format(new Date(iso));

export const NOTE_FIELDS = [
  { key: 'summary', label: 'Summary' },
  { key: 'plan', label: 'Plan' },
  { key: 'handoff', label: 'For the next clinician' },
] as const;

/** One note, read-only: its fields, who wrote it and when, and its amendments in order. */
export function NoteView({ note, heading, headingLevel = 3 }: { note: VisitNote; heading: string; headingLevel?: 3 | 4 }) {
  const headingId = useId();
  const H = headingLevel === 3 ? 'h3' : 'h4';
  const edited = note.updatedAt !== note.createdAt;
  return (
    <article className="visit-note" aria-labelledby={headingId} data-testid="visit-note">
      <H id={headingId} className="visit-note-heading">
        {heading}
      </H>
      <p className="muted visit-note-meta">
        Written {noteTime(note.createdAt)}
        {edited ? ` · edited ${noteTime(note.updatedAt)}` : ''}
      </p>
      <dl className="visit-note-fields">
        {NOTE_FIELDS.filter((f) => note[f.key]).map((f) => (
          <div key={f.key}>
            <dt>{f.label}</dt>
            <dd>{note[f.key]}</dd>
          </div>
        ))}
      </dl>
      {note.amendments.length > 0 && (
        <>
          <p className="visit-note-amendments-title">
            <strong>Amendments</strong>
          </p>
          <ol className="visit-note-amendments" data-testid="note-amendments">
            {note.amendments.map((a) => (
              <li key={a.id}>
                <p className="muted visit-note-meta">
                  {a.author.name}, {noteTime(a.createdAt)}
                </p>
                <p className="visit-note-text">{a.text}</p>
              </li>
            ))}
          </ol>
        </>
      )}
    </article>
  );
}
