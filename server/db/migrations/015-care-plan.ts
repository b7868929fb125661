import type { Kysely } from 'kysely';

/**
 * The shared care plan of a patient: goals (in the patient's words), problems, medications with
 * their events (start, dose changes, stop), referrals, and the history of every change (who, when,
 * a short summary). Dates a clinician gives are calendar days (YYYY-MM-DD); `*_at` are ISO instants.
 * `seq` orders a patient's history; changes to one patient are serialised by a lock on the patient row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('care_plan_goals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.references('staff.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('care_plan_goals_patient_idx').on('care_plan_goals').column('patient_id').execute();

  await db.schema
    .createTable('care_plan_problems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.references('staff.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('care_plan_problems_patient_idx').on('care_plan_problems').column('patient_id').execute();

  await db.schema
    .createTable('medications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // The current dose (the latest start or dose change); the events keep every earlier one.
    .addColumn('dose', 'text')
    .addColumn('started_on', 'text', (c) => c.notNull())
    .addColumn('stopped_on', 'text')
    .addColumn('prescriber', 'text')
    .addColumn('watch_sexual_side_effects', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('medications_patient_idx').on('medications').column('patient_id').execute();

  await db.schema
    .createTable('medication_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('medication_id', 'text', (c) => c.notNull().references('medications.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('occurred_on', 'text', (c) => c.notNull())
    .addColumn('dose', 'text')
    .addColumn('recorded_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('medication_events_medication_idx').on('medication_events').column('medication_id').execute();

  await db.schema
    .createTable('referrals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('referred_to', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('referred_on', 'text', (c) => c.notNull())
    .addColumn('updated_on', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('referrals_patient_idx').on('referrals').column('patient_id').execute();

  await db.schema
    .createTable('care_plan_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    // A short summary of what changed. Clinical text: shown to the care team, never logged.
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('by_staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('care_plan_changes_patient_seq_uq').on('care_plan_changes').columns(['patient_id', 'seq']).unique().execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('care_plan_changes').execute();
  await db.schema.dropTable('referrals').execute();
  await db.schema.dropTable('medication_events').execute();
  await db.schema.dropTable('medications').execute();
  await db.schema.dropTable('care_plan_problems').execute();
  await db.schema.dropTable('care_plan_goals').execute();
}
