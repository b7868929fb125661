import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB, VisitNoteAmendmentTable, VisitNoteTable } from '../db/schema';

type Db = Kysely<DB>;

/** A note with what the presenter needs beside it: the visit's start and the author's name. */
export type NoteRow = VisitNoteTable & { visit_starts_at: string; author_name: string };
export type AmendmentRow = VisitNoteAmendmentTable & { author_name: string };

function notes(db: Db) {
  return db
    .selectFrom('visit_notes as n')
    .innerJoin('visits as v', 'v.id', 'n.visit_id')
    .innerJoin('staff as s', 's.id', 'n.author_id')
    .selectAll('n')
    .select(['v.starts_at as visit_starts_at', 's.name as author_name']);
}

export function findNote(db: Db, id: string): Promise<NoteRow | undefined> {
  return notes(db).where('n.id', '=', id).executeTakeFirst();
}

/** A visit's notes, oldest first. */
export function notesOfVisit(db: Db, visitId: string): Promise<NoteRow[]> {
  return notes(db).where('n.visit_id', '=', visitId).orderBy('n.created_at').orderBy('n.id').execute();
}

/** Every note of a patient: newest visit first, then newest note first. */
export function notesOfPatient(db: Db, patientId: string): Promise<NoteRow[]> {
  return notes(db)
    .where('n.patient_id', '=', patientId)
    .orderBy('v.starts_at', 'desc')
    .orderBy('n.created_at', 'desc')
    .orderBy('n.id', 'desc')
    .execute();
}

/** The amendments of these notes, oldest first, grouped by note. */
export async function amendmentsOf(db: Db, noteIds: string[]): Promise<Map<string, AmendmentRow[]>> {
  const out = new Map<string, AmendmentRow[]>();
  if (noteIds.length === 0) return out;
  const rows = await db
    .selectFrom('visit_note_amendments as a')
    .innerJoin('staff as s', 's.id', 'a.author_id')
    .selectAll('a')
    .select('s.name as author_name')
    .where('a.note_id', 'in', noteIds)
    .orderBy('a.created_at')
    .orderBy('a.id')
    .execute();
  for (const r of rows) out.set(r.note_id, [...(out.get(r.note_id) ?? []), r]);
  return out;
}

export function hasNoteBy(db: Db, visitId: string, authorId: string): Promise<boolean> {
  return db
    .selectFrom('visit_notes')
    .select('id')
    .where('visit_id', '=', visitId)
    .where('author_id', '=', authorId)
    .executeTakeFirst()
    .then(Boolean);
}

export async function insertNote(
  db: Db,
  n: { visitId: string; patientId: string; authorId: string; summary: string; plan: string; handoff: string; at: string },
): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('visit_notes')
    .values({
      id,
      visit_id: n.visitId,
      patient_id: n.patientId,
      author_id: n.authorId,
      summary: n.summary,
      plan: n.plan,
      handoff: n.handoff,
      created_at: n.at,
      updated_at: n.at,
    })
    .execute();
  return id;
}

/**
 * Changes the note's fields only while `created_at` is still after `openSince` (the window, checked in the
 * statement itself so an edit racing the window's end cannot slip through). True when a row changed.
 */
export async function updateNoteWithinWindow(
  db: Db,
  id: string,
  fields: Partial<Pick<VisitNoteTable, 'summary' | 'plan' | 'handoff'>>,
  at: string,
  openSince: string,
): Promise<boolean> {
  const r = await db
    .updateTable('visit_notes')
    .set({ ...fields, updated_at: at })
    .where('id', '=', id)
    .where('created_at', '>', openSince)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function insertAmendment(db: Db, a: { noteId: string; authorId: string; text: string; at: string }): Promise<void> {
  await db
    .insertInto('visit_note_amendments')
    .values({ id: randomUUID(), note_id: a.noteId, author_id: a.authorId, text: a.text, created_at: a.at })
    .execute();
}
