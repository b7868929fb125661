import './visit-notes.css';
import { useId } from 'react';
import { NoteView, noteDay } from './note-view';
import { usePatientNotes } from './visit-notes-api';

/** The chart's "Visit notes": every note of the patient, newest visit first, with the visit's date and author. */
export function PatientNotesSection({ patientId }: { patientId: string }) {
  const headingId = useId();
  const notes = usePatientNotes(patientId);
  return (
    <section className="card visit-notes" aria-labelledby={headingId} data-testid="patient-notes">
      <h2 id={headingId}>Visit notes</h2>
      {notes.isPending && (
        <p className="muted" role="status">
          Loading notes…
        </p>
      )}
      {notes.isError && (
        <p className="alert alert-warn" role="status">
          The notes could not be loaded.
        </p>
      )}
      {notes.data?.length === 0 && <p className="muted">No visit notes yet.</p>}
      {notes.data && notes.data.length > 0 && (
        <ul className="visit-note-list">
          {notes.data.map((n) => (
            <li key={n.id}>
              <NoteView note={n} heading={`${noteDay(n.visitStartsAt)} · ${n.author.name}`} />
              <p className="visit-note-link">
                <a href={`/visits/${n.visitId}`}>
                  Open the visit<span className="visually-hidden"> of {noteDay(n.visitStartsAt)}</span>
                </a>
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
