import type { Kysely } from 'kysely';

/**
 * When a participant's last socket went away (null while one is connected). The waiting-room
 * expiry reads it with a guarded update, so whichever process gets there first acts, once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('participants').addColumn('disconnected_at', 'text').execute();
  await db.schema.createIndex('participants_disconnected_idx').on('participants').columns(['state', 'disconnected_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('participants_disconnected_idx').execute();
  await db.schema.alterTable('participants').dropColumn('disconnected_at').execute();
}
