import type { Kysely } from 'kysely';

/** Patients, visits with their care team, patient join links, visit participants and consents. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('patients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('preferred_name', 'text')
    .addColumn('pronouns', 'text')
    .addColumn('preferred_language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('date_of_birth', 'text')
    .addColumn('external_id', 'text')
    .addColumn('search_name', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('patients_search_name_idx').on('patients').column('search_name').execute();
  await db.schema.createIndex('patients_external_id_idx').on('patients').column('external_id').execute();

  await db.schema
    .createTable('visits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('duration_minutes', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('scheduled'))
    .addColumn('room_name', 'text', (c) => c.notNull().unique())
    .addColumn('e2ee_key', 'text', (c) => c.notNull())
    .addColumn('waiting_message', 'text')
    .addColumn('started_at', 'text')
    .addColumn('ended_at', 'text')
    .addColumn('cancelled_at', 'text')
    .addColumn('created_by', 'text', (c) => c.references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('visits_starts_at_idx').on('visits').column('starts_at').execute();
  await db.schema.createIndex('visits_patient_id_idx').on('visits').column('patient_id').execute();

  await db.schema
    .createTable('visit_clinicians')
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id').onDelete('cascade'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addPrimaryKeyConstraint('visit_clinicians_pk', ['visit_id', 'staff_id'])
    .execute();
  await db.schema.createIndex('visit_clinicians_staff_idx').on('visit_clinicians').column('staff_id').execute();

  await db.schema
    .createTable('patient_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('last_used_at', 'text')
    .execute();
  await db.schema.createIndex('patient_links_visit_idx').on('patient_links').column('visit_id').execute();

  await db.schema
    .createTable('dob_failures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('link_id', 'text', (c) => c.notNull().references('patient_links.id'))
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dob_failures_link_idx').on('dob_failures').columns(['link_id', 'at']).execute();

  await db.schema
    .createTable('participants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('consent_version', 'text')
    .addColumn('consented_at', 'text')
    .addColumn('waiting_since', 'text')
    .addColumn('admitted_at', 'text')
    .addColumn('admitted_by', 'text', (c) => c.references('staff.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('participants_visit_idx').on('participants').column('visit_id').execute();
  // One participant per clinician per visit (NULL staff_id rows are patients/guests; the service keeps one patient per visit).
  await db.schema.createIndex('participants_visit_staff_uq').on('participants').columns(['visit_id', 'staff_id']).unique().execute();

  await db.schema
    .createTable('consents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    .addColumn('participant_id', 'text', (c) => c.notNull().references('participants.id'))
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('accepted_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['consents', 'participants', 'dob_failures', 'patient_links', 'visit_clinicians', 'visits', 'patients']) {
    await db.schema.dropTable(t).execute();
  }
}
