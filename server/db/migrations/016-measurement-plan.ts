import type { Kysely } from 'kysely';

/**
 * Measurement-based care. `measurement_plan_items`: which instruments a patient is asked, and how
 * often (`every_weeks` null = every visit), with who set each item. `measurement_sends`: the plan's
 * automatic sends, one row per visit and instrument; its primary key is what makes "sent exactly
 * once per visit" hold across processes and concurrent requests on both databases.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('measurement_plan_items')
    .addColumn('patient_id', 'text', (c) => c.notNull().references('patients.id'))
    .addColumn('instrument_id', 'text', (c) => c.notNull())
    .addColumn('every_weeks', 'integer')
    // The order the clinician listed the items in.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('set_by', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('set_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('measurement_plan_items_pk', ['patient_id', 'instrument_id'])
    .execute();

  await db.schema
    .createTable('measurement_sends')
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id'))
    .addColumn('instrument_id', 'text', (c) => c.notNull())
    .addColumn('checkin_id', 'text', (c) => c.notNull().references('checkins.id'))
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('measurement_sends_pk', ['visit_id', 'instrument_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('measurement_sends').execute();
  await db.schema.dropTable('measurement_plan_items').execute();
}
