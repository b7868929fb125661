import type { Kysely } from 'kysely';

/**
 * `checkins.revision` counts changes to a check-in's answers. An answer save reads the answers
 * with the check-in before its transaction and then claims the next revision in the transaction's
 * first statement: when another change came in between, the claim matches nothing and the save
 * reads the answers again under the row's lock, so an answer is never checked against stale ones.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('checkins')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('checkins').dropColumn('revision').execute();
}
