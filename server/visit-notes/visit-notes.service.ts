import type { Kysely } from 'kysely';
import type { AmendVisitNoteRequest, CreateVisitNoteRequest, UpdateVisitNoteRequest, VisitNote } from '@shared/api/visit-notes.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import { HttpError, notFound } from '../http-error';
import { findVisit } from '../visits/visits.store';
import { requireAuthor, requireClinicalAccess } from './visit-notes.policy';
import { toVisitNote } from './visit-notes.presenter';
import * as store from './visit-notes.store';

export interface VisitNotesDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  careRelationshipDays: number;
  /** VISIT_NOTE_EDIT_MINUTES */
  editMinutes: number;
}

/*
 * Every read is audited (ids only) and every change is recorded in its own transaction, the audit entry last.
 * No note text reaches a log line or the audit trail.
 */

async function present(deps: VisitNotesDeps, rows: store.NoteRow[], viewer: StaffPrincipal): Promise<VisitNote[]> {
  const amendments = await store.amendmentsOf(
    deps.db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toVisitNote(r, amendments.get(r.id) ?? [], viewer.id, deps.editMinutes));
}

async function presentOne(deps: VisitNotesDeps, id: string, viewer: StaffPrincipal): Promise<VisitNote> {
  const row = await store.findNote(deps.db, id);
  if (!row) throw notFound();
  return (await present(deps, [row], viewer))[0]!;
}

/** The visit if the staff member has clinical access to its patient; 404 otherwise. */
async function accessibleVisit(deps: VisitNotesDeps, staff: StaffPrincipal, visitId: string) {
  const visit = await findVisit(deps.db, visitId);
  if (!visit) throw notFound();
  await requireClinicalAccess(deps.db, staff, visit.patient_id, deps.careRelationshipDays);
  return visit;
}

/** The note if the staff member has clinical access to its patient; 404 otherwise. */
async function accessibleNote(deps: VisitNotesDeps, staff: StaffPrincipal, noteId: string) {
  const note = await store.findNote(deps.db, noteId);
  if (!note) throw notFound();
  await requireClinicalAccess(deps.db, staff, note.patient_id, deps.careRelationshipDays);
  return note;
}

export async function listForVisit(deps: VisitNotesDeps, ctx: AuditContext, staff: StaffPrincipal, visitId: string): Promise<VisitNote[]> {
  const visit = await accessibleVisit(deps, staff, visitId);
  const notes = await present(deps, await store.notesOfVisit(deps.db, visitId), staff);
  await deps.auditor.record(deps.db, ctx, { action: 'visit_note.read', targets: { patientId: visit.patient_id, visitId } });
  return notes;
}

export async function listForPatient(
  deps: VisitNotesDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  patientId: string,
): Promise<VisitNote[]> {
  await requireClinicalAccess(deps.db, staff, patientId, deps.careRelationshipDays);
  const notes = await present(deps, await store.notesOfPatient(deps.db, patientId), staff);
  await deps.auditor.record(deps.db, ctx, { action: 'visit_note.read', targets: { patientId } });
  return notes;
}

/** Checked after access, so someone without it learns nothing from validation. */
export async function create(
  deps: VisitNotesDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  visitId: string,
  parse: () => CreateVisitNoteRequest,
): Promise<VisitNote> {
  const visit = await accessibleVisit(deps, staff, visitId);
  const body = parse();
  if (visit.status === 'cancelled')
    throw new HttpError(409, 'visit_cancelled', 'This visit was cancelled: there is nothing to write a note about');
  const id = await deps.auditor.transaction(async (trx) => {
    if (await store.hasNoteBy(trx, visitId, staff.id)) {
      throw new HttpError(409, 'already_exists', 'You already wrote a note for this visit: edit it, or add an amendment');
    }
    const noteId = await store.insertNote(trx, {
      visitId,
      patientId: visit.patient_id,
      authorId: staff.id,
      summary: body.summary ?? '',
      plan: body.plan ?? '',
      handoff: body.handoff ?? '',
      at: new Date().toISOString(),
    });
    await deps.auditor.record(trx, ctx, { action: 'visit_note.created', targets: { patientId: visit.patient_id, visitId } });
    return noteId;
  });
  return presentOne(deps, id, staff);
}

export async function update(
  deps: VisitNotesDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  noteId: string,
  parse: () => UpdateVisitNoteRequest,
): Promise<VisitNote> {
  const note = await accessibleNote(deps, staff, noteId);
  requireAuthor(note, staff);
  const body = parse();
  const merged = { summary: body.summary ?? note.summary, plan: body.plan ?? note.plan, handoff: body.handoff ?? note.handoff };
  if (!merged.summary && !merged.plan && !merged.handoff) {
    throw new HttpError(400, 'validation_failed', 'Some fields are not valid', [
      { field: 'summary', message: 'A note needs a summary, a plan or something for the next clinician' },
    ]);
  }
  const now = Date.now();
  const openSince = new Date(now - deps.editMinutes * 60_000).toISOString();
  await deps.auditor.transaction(async (trx) => {
    if (!(await store.updateNoteWithinWindow(trx, note.id, body, new Date(now).toISOString(), openSince))) {
      throw new HttpError(
        409,
        'edit_window_closed',
        `A note can be edited for ${deps.editMinutes} minutes after it was written; this one is final now. Add an amendment instead.`,
      );
    }
    await deps.auditor.record(trx, ctx, { action: 'visit_note.updated', targets: { patientId: note.patient_id, visitId: note.visit_id } });
  });
  return presentOne(deps, note.id, staff);
}

export async function amend(
  deps: VisitNotesDeps,
  ctx: AuditContext,
  staff: StaffPrincipal,
  noteId: string,
  parse: () => AmendVisitNoteRequest,
): Promise<VisitNote> {
  const note = await accessibleNote(deps, staff, noteId);
  requireAuthor(note, staff);
  const { text } = parse();
  await deps.auditor.transaction(async (trx) => {
    await store.insertAmendment(trx, { noteId: note.id, authorId: staff.id, text, at: new Date().toISOString() });
    await deps.auditor.record(trx, ctx, { action: 'visit_note.amended', targets: { patientId: note.patient_id, visitId: note.visit_id } });
  });
  return presentOne(deps, note.id, staff);
}
