import { sql, type Kysely } from 'kysely';

/**
 * When a safety alert's live push went out (null until then). The alert, its audit entry and this
 * "still to push" mark are committed together; a sweeper on every process re-pushes what stays
 * null, claiming each alert with a guarded update so only one process pushes it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('safety_alerts').addColumn('pushed_at', 'text').execute();
  // Alerts raised before this column existed were pushed (or re-derived over HTTP) long ago.
  await sql`update safety_alerts set pushed_at = raised_at`.execute(db);
  await db.schema.createIndex('safety_alerts_unpushed_idx').on('safety_alerts').column('raised_at').where(sql.ref('pushed_at'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('safety_alerts_unpushed_idx').execute();
  await db.schema.alterTable('safety_alerts').dropColumn('pushed_at').execute();
}
