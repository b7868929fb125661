import type { Kysely } from 'kysely';

/**
 * Staff set their own passwords. An account is created with no usable password and a one-time
 * invitation (only the token's SHA-256 is stored); a reset issues the same kind of link. A
 * password set by someone else is marked to be changed at first sign-in. Successful sign-ins
 * remember the device and address they came from (keyed hashes only), so an account-wide limit
 * on failed sign-ins never shuts out the owner's known devices.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('staff')
    .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('staff').addColumn('last_sign_in_at', 'text').execute();

  await db.schema
    .createTable('staff_invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    // Null only for the first-start setup link, which creates the first administrator.
    .addColumn('staff_id', 'text', (c) => c.references('staff.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('staff_invitations_staff_id_idx').on('staff_invitations').column('staff_id').execute();

  await db.schema
    .createTable('staff_sign_in_sources')
    .addColumn('staff_id', 'text', (c) => c.notNull().references('staff.id'))
    .addColumn('source_hash', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('staff_sign_in_sources_pk', ['staff_id', 'source_hash'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('staff_sign_in_sources').execute();
  await db.schema.dropTable('staff_invitations').execute();
  await db.schema.alterTable('staff').dropColumn('last_sign_in_at').execute();
  await db.schema.alterTable('staff').dropColumn('must_change_password').execute();
}
