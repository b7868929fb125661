import type { Kysely } from 'kysely';

/**
 * Check-ins sent during a visit, the patient's answers (one row per item, saved as given), and the
 * safety alerts raised from them. Answers are JSON text; results are stored once, at sharing.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('checkins')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    // Denormalised from the visit so a patient's history is one indexed lookup.
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('instrument_id', 'text', (c) => c.notNull())
    .addColumn('instrument_version', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sent_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('shared_at', 'text')
    // The server's own score, computed from the stored answers when the patient shared.
    .addColumn('result', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('checkins_visit_idx').on('checkins').column('visit_id').execute();
  await db.schema.createIndex('checkins_patient_idx').on('checkins').columns(['patient_id', 'instrument_id']).execute();

  await db.schema
    .createTable('checkin_answers')
    .addColumn('checkin_id', 'text', (c) => c.notNull().references('checkins.id').onDelete('cascade'))
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('checkin_answers_pk', ['checkin_id', 'link_id'])
    .execute();

  await db.schema
    .createTable('safety_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('checkin_id', 'text', (c) => c.notNull().references('checkins.id'))
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('raised_at', 'text', (c) => c.notNull())
    .addColumn('acknowledged_by', 'text', (c) => c.references('staff.id'))
    .addColumn('acknowledged_at', 'text')
    .execute();
  // One alert per code per check-in: raising it again (another answer, the share) is a no-op.
  await db.schema.createIndex('safety_alerts_checkin_code_uq').on('safety_alerts').columns(['checkin_id', 'code']).unique().execute();
  await db.schema.createIndex('safety_alerts_visit_idx').on('safety_alerts').column('visit_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('safety_alerts').execute();
  await db.schema.dropTable('checkin_answers').execute();
  await db.schema.dropTable('checkins').execute();
}
