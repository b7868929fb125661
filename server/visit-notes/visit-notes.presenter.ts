import type { VisitNote } from '@shared/api/visit-notes.schema';
import type { AmendmentRow, NoteRow } from './visit-notes.store';

/** Until when the author may edit a note written at `createdAt`. */
export function editableUntil(createdAt: string, editMinutes: number): string {
  return new Date(Date.parse(createdAt) + editMinutes * 60_000).toISOString();
}

/** A note as the care team sees it; `editable` and `amendable` are for `viewerId`. */
export function toVisitNote(row: NoteRow, amendments: AmendmentRow[], viewerId: string, editMinutes: number, now = Date.now()): VisitNote {
  const until = editableUntil(row.created_at, editMinutes);
  const mine = row.author_id === viewerId;
  return {
    id: row.id,
    visitId: row.visit_id,
    patientId: row.patient_id,
    visitStartsAt: row.visit_starts_at,
    author: { id: row.author_id, name: row.author_name },
    summary: row.summary,
    plan: row.plan,
    handoff: row.handoff,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    editableUntil: until,
    editable: mine && now < Date.parse(until),
    amendable: mine,
    amendments: amendments.map((a) => ({
      id: a.id,
      text: a.text,
      author: { id: a.author_id, name: a.author_name },
      createdAt: a.created_at,
    })),
  };
}
