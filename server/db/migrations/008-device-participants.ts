import { sql, type Kysely } from 'kysely';

/**
 * One participant per person per device. A patient participant remembers the link it came through
 * (a reissued link starts a fresh participant; its siblings on the same link are the same person's
 * other devices); an unshared answer remembers the participant who gave it; a wrong date of birth
 * remembers the address it came from, so one address cannot lock the patient out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('participants').addColumn('link_id', 'text').execute();
  await db.schema.createIndex('participants_link_idx').on('participants').column('link_id').execute();
  // Before this migration a visit had one patient participant, reached through whichever link was live.
  await sql`update participants set link_id = (
      select l.id from patient_links l where l.visit_id = participants.visit_id and l.revoked_at is null order by l.created_at desc limit 1
    ) where kind = 'patient'`.execute(db);

  await db.schema.alterTable('checkin_answers').addColumn('participant_id', 'text').execute();
  await sql`update checkin_answers set participant_id = (
      select p.id from participants p join checkins c on c.visit_id = p.visit_id
      where c.id = checkin_answers.checkin_id and p.kind = 'patient' order by p.created_at limit 1
    )`.execute(db);

  await db.schema.alterTable('dob_failures').addColumn('address', 'text').execute();
  await db.schema.createIndex('dob_failures_address_idx').on('dob_failures').columns(['link_id', 'address', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('dob_failures_address_idx').execute();
  await db.schema.alterTable('dob_failures').dropColumn('address').execute();
  await db.schema.alterTable('checkin_answers').dropColumn('participant_id').execute();
  await db.schema.dropIndex('participants_link_idx').execute();
  await db.schema.alterTable('participants').dropColumn('link_id').execute();
}
