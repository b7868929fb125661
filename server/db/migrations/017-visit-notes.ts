import type { Kysely } from 'kysely';

/**
 * Visit notes: one short clinician-only note per visit and author (summary, plan, for the next clinician),
 * editable by its author for VISIT_NOTE_EDIT_MINUTES after `created_at`, then append-only through
 * `visit_note_amendments` (never updated or deleted). `patient_id` is the visit's, kept on the note for the
 * chart's list. Clinical text: never logged, never in the audit trail.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('visit_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('author_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('plan', 'text', (c) => c.notNull())
    .addColumn('handoff', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('visit_notes_visit_author_uq', ['visit_id', 'author_id'])
    .execute();
  await db.schema.createIndex('visit_notes_patient_idx').on('visit_notes').columns(['patient_id', 'created_at']).execute();

  await db.schema
    .createTable('visit_note_amendments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('note_id', 'text', (c) => c.notNull().references('visit_notes.id'))
    .addColumn('author_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('visit_note_amendments_note_idx').on('visit_note_amendments').columns(['note_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('visit_note_amendments').execute();
  await db.schema.dropTable('visit_notes').execute();
}
