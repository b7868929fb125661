import { sql, type Kysely } from 'kysely';

/**
 * A care team per patient, not only per visit: who is on it, in which role, and who coordinates.
 * At most one coordinator per patient: a partial unique index (both dialects support it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('patient_care_team')
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('is_coordinator', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('added_by', 'text', (c) => c.references('staff.id'))
    .addColumn('added_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('patient_care_team_pk', ['patient_id', 'staff_id'])
    .execute();
  await db.schema.createIndex('patient_care_team_staff_idx').on('patient_care_team').column('staff_id').execute();
  await db.schema
    .createIndex('patient_care_team_one_coordinator_uq')
    .on('patient_care_team')
    .column('patient_id')
    .unique()
    .where(sql<boolean>`is_coordinator = 1`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('patient_care_team').execute();
}
