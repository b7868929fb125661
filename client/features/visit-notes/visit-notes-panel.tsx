import './visit-notes.css';
import { useId, useState, type FormEvent } from 'react';
import { NOTE_FIELD_MAX, type VisitNote } from '@shared/api/visit-notes.schema';
import { Field } from '../../components/field';
import { ApiError } from '../../lib/api';
import { NOTE_FIELDS, NoteView, noteTime } from './note-view';
import { useNoteChange, useVisitNotes, type NoteChange } from './visit-notes-api';

type Fields = { summary: string; plan: string; handoff: string };

function errorOf(err: unknown): { general: string | null; fields: Record<string, string> } {
  if (!err) return { general: null, fields: {} };
  if (err instanceof ApiError) {
    const fields = err.fieldErrors();
    return { general: Object.keys(fields).length ? null : err.message, fields };
  }
  return { general: 'The note could not be saved. Please try again.', fields: {} };
}

/** Summary, plan and "for the next clinician": the note's three fields as a form. */
function NoteForm({
  initial,
  submitLabel,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  initial: Fields;
  submitLabel: string;
  busy: boolean;
  error: unknown;
  onSubmit: (f: Fields) => void;
  onCancel?: () => void;
}) {
  const id = useId();
  const [form, setForm] = useState<Fields>(initial);
  const { general, fields } = errorOf(error);
  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit(form);
  }
  return (
    <form className="visit-note-form" onSubmit={submit} noValidate>
      {NOTE_FIELDS.map((f) => (
        <Field key={f.key} id={`${id}-${f.key}`} label={f.label} error={fields[f.key]}>
          <textarea
            id={`${id}-${f.key}`}
            rows={f.key === 'summary' ? 3 : 2}
            maxLength={NOTE_FIELD_MAX}
            value={form[f.key]}
            aria-invalid={fields[f.key] ? true : undefined}
            aria-describedby={fields[f.key] ? `${id}-${f.key}-err` : undefined}
            onChange={(e) => setForm((cur) => ({ ...cur, [f.key]: e.target.value }))}
          />
        </Field>
      ))}
      {general && (
        <p className="alert alert-error" role="alert">
          {general}
        </p>
      )}
      <div className="visit-note-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function AmendForm({ busy, error, onSubmit }: { busy: boolean; error: unknown; onSubmit: (text: string) => void }) {
  const id = useId();
  const [text, setText] = useState('');
  const { general, fields } = errorOf(error);
  return (
    <form
      className="visit-note-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(text);
      }}
    >
      <Field
        id={`${id}-text`}
        label="Amendment"
        hint="Added below the note with your name and the time; it cannot be changed afterwards."
        error={fields.text}
      >
        <textarea
          id={`${id}-text`}
          rows={2}
          maxLength={NOTE_FIELD_MAX}
          value={text}
          aria-describedby={`${id}-text-hint${fields.text ? ` ${id}-text-err` : ''}`}
          aria-invalid={fields.text ? true : undefined}
          onChange={(e) => setText(e.target.value)}
        />
      </Field>
      {general && (
        <p className="alert alert-error" role="alert">
          {general}
        </p>
      )}
      <div className="visit-note-actions">
        <button type="submit" className="btn btn-primary" disabled={busy || text.trim() === ''}>
          {busy ? 'Saving…' : 'Add amendment'}
        </button>
      </div>
    </form>
  );
}

/** The viewer's own note: edit it while the window is open, then amend it. */
function MyNote({ note, visitId }: { note: VisitNote; visitId: string }) {
  const change = useNoteChange(visitId);
  const [editing, setEditing] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const run = (c: NoteChange, done: string) => {
    setStatus(null);
    change.mutate(c, {
      onSuccess: () => {
        setEditing(false);
        setStatus(done);
      },
    });
  };
  const windowClosed = change.error instanceof ApiError && change.error.code === 'edit_window_closed';
  return (
    <div className="visit-note-mine">
      {editing && note.editable && !windowClosed ? (
        <>
          <h3>Edit your note</h3>
          <NoteForm
            initial={{ summary: note.summary, plan: note.plan, handoff: note.handoff }}
            submitLabel="Save changes"
            busy={change.isPending}
            error={change.error}
            onSubmit={(f) => run({ kind: 'update', noteId: note.id, body: f }, 'Your note was saved.')}
            onCancel={() => {
              change.reset();
              setEditing(false);
            }}
          />
        </>
      ) : (
        <>
          <NoteView note={note} heading="Your note" />
          {note.editable && !windowClosed ? (
            <p className="visit-note-edit-row">
              <button type="button" className="btn btn-small" onClick={() => setEditing(true)}>
                Edit note
              </button>{' '}
              <span className="muted">You can edit it until {noteTime(note.editableUntil)}; after that, add amendments.</span>
            </p>
          ) : (
            <>
              {windowClosed && (
                <p className="alert alert-warn" role="status">
                  {change.error instanceof ApiError ? change.error.message : ''}
                </p>
              )}
              <AmendForm
                key={note.amendments.length}
                busy={change.isPending}
                error={windowClosed ? null : change.error}
                onSubmit={(text) => run({ kind: 'amend', noteId: note.id, body: { text } }, 'Your amendment was added.')}
              />
            </>
          )}
        </>
      )}
      <p role="status" className="visit-note-status">
        {status}
      </p>
    </div>
  );
}

function NewNote({ visitId }: { visitId: string }) {
  const change = useNoteChange(visitId);
  return (
    <div className="visit-note-mine">
      <h3>Your note</h3>
      <p className="muted">For the patient’s care team only; the patient never sees it.</p>
      <NoteForm
        initial={{ summary: '', plan: '', handoff: '' }}
        submitLabel="Save note"
        busy={change.isPending}
        error={change.error}
        onSubmit={(f) => change.mutate({ kind: 'create', body: f })}
      />
    </div>
  );
}

/**
 * The visit's notes on the visit page, live and ended: the viewer's own note (write it, edit it while the
 * edit window is open, then amend it) and the notes of the rest of the care team, read-only.
 */
export function VisitNotesPanel({ visitId }: { visitId: string }) {
  const headingId = useId();
  const notes = useVisitNotes(visitId);
  const mine = notes.data?.find((n) => n.amendable);
  const others = notes.data?.filter((n) => !n.amendable) ?? [];
  return (
    <section className="card visit-notes" aria-labelledby={headingId} data-testid="visit-notes">
      <h2 id={headingId}>Visit notes</h2>
      {notes.isPending && (
        <p className="muted" role="status">
          Loading notes…
        </p>
      )}
      {notes.isError && (
        <p className="alert alert-warn" role="status">
          {notes.error instanceof ApiError && notes.error.code === 'not_found'
            ? 'Notes are for clinicians caring for this patient.'
            : 'The notes could not be loaded. Please reload the page.'}
        </p>
      )}
      {notes.data && (mine ? <MyNote note={mine} visitId={visitId} /> : <NewNote visitId={visitId} />)}
      {others.map((n) => (
        <NoteView key={n.id} note={n} heading={`Note by ${n.author.name}`} />
      ))}
    </section>
  );
}
