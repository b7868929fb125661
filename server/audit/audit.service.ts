import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { sql, type Kysely } from 'kysely';
import type { AuditAction, AuditActorKind, AuditEntry, AuditFilter, AuditVerifyResult } from '@shared/api/audit.schema';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { serialWrite } from '../db/serial-write';
import { auditRowsAfter, insertAuditRows, lastAuditLink, listAuditRows, type AuditRow, type AuditRowFilter } from './audit.store';

export type { AuditAction } from '@shared/api/audit.schema';

/** Who did it: a staff id, a patient's participant id, the system itself, or nobody known. */
export interface AuditActor {
  kind: AuditActorKind;
  id?: string;
}

/** Ids of what the action touched. Ids only: the type has no room for names, answers or text. */
export interface AuditTargets {
  patientId?: string;
  visitId?: string;
  staffId?: string;
  participantId?: string;
  checkinId?: string;
  linkId?: string;
}

export interface AuditInput {
  action: AuditAction;
  actor: AuditActor;
  targets?: AuditTargets;
  requestId?: string;
  ip?: string;
  outcome?: 'success' | 'failure';
}

/** prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** Advisory-lock key for the chain on PostgreSQL ("ALCA"); any constant works if nothing else uses it. */
const AUDIT_LOCK_KEY = 0x414c4341;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idOrNull(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  // An id that is not a UUID is a bug at the call site, and could be PHI (a name, a DOB): refuse it.
  if (!UUID.test(value)) throw new Error(`audit: ${field} must be a UUID`);
  return value.toLowerCase();
}

/**
 * The exact bytes an entry's hash covers: a JSON array in fixed column order, so the result
 * does not depend on key order, the driver or the dialect.
 */
export function canonicalAuditContent(row: Omit<AuditRow, 'hash'>): string {
  return JSON.stringify([
    row.seq,
    row.id,
    row.at,
    row.actor_kind,
    row.actor_id,
    row.action,
    row.outcome,
    row.patient_id,
    row.visit_id,
    row.staff_id,
    row.participant_id,
    row.checkin_id,
    row.link_id,
    row.request_id,
    row.ip,
    row.prev_hash,
  ]);
}

/** SHA-256 (hex) of an entry's canonical content, which includes the previous entry's hash. */
export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditContent(row), 'utf8').digest('hex');
}

/** An entry's columns before it is placed in the chain (no seq, prev_hash or hash yet). */
function unchained(entry: AuditInput): Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'> {
  const t = entry.targets ?? {};
  return {
    id: randomUUID(),
    at: new Date().toISOString(),
    actor_kind: entry.actor.kind,
    actor_id: idOrNull(entry.actor.id, 'actor.id'),
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    patient_id: idOrNull(t.patientId, 'patientId'),
    visit_id: idOrNull(t.visitId, 'visitId'),
    staff_id: idOrNull(t.staffId, 'staffId'),
    participant_id: idOrNull(t.participantId, 'participantId'),
    checkin_id: idOrNull(t.checkinId, 'checkinId'),
    link_id: idOrNull(t.linkId, 'linkId'),
    request_id: idOrNull(entry.requestId, 'requestId'),
    ip: entry.ip && isIP(entry.ip) ? entry.ip : null,
  };
}

/**
 * Appends one entry to the audit trail, chained to the entry before it. Safe under concurrent
 * callers and several processes on both dialects (see serialWrite). Pass your transaction as
 * `db` when you are inside one, so the entry commits (or rolls back) with your change.
 * Throws on a target or actor id that is not a UUID.
 */
export async function recordAudit(db: Kysely<DB>, dialect: Dialect, entry: AuditInput): Promise<AuditRow> {
  const [row] = await recordAuditEntries(db, dialect, [entry]);
  return row!;
}

/**
 * Appends several entries, in order, with one chain lock, one read of the chain's end and one
 * insert: the same round trips as a single entry, so the lock is held no longer for more.
 * Everything is built (and every id checked) before the lock is taken.
 */
export async function recordAuditEntries(db: Kysely<DB>, dialect: Dialect, entries: AuditInput[]): Promise<AuditRow[]> {
  if (!entries.length) return [];
  const bases = entries.map(unchained);
  if (dialect === 'postgres' && bases.length === 1)
    return serialWrite(db, dialect, AUDIT_LOCK_KEY, async (trx) => [await appendInOneStatement(trx, bases[0]!)]);
  return serialWrite(db, dialect, AUDIT_LOCK_KEY, async (trx) => {
    const last = await lastAuditLink(trx);
    let seq = last?.seq ?? 0;
    let prev = last?.hash ?? GENESIS_HASH;
    const rows = bases.map((base): AuditRow => {
      seq += 1;
      const unhashed = { ...base, seq, prev_hash: prev };
      prev = hashAuditRow(unhashed);
      return { ...unhashed, hash: prev };
    });
    await insertAuditRows(trx, rows);
    return rows;
  });
}

/** A JSON value as JSON.stringify writes it, for a text (or null) parameter. */
const jsonText = (v: string | null) => sql`coalesce(to_json(${v}::text)::text, 'null')`;

/**
 * PostgreSQL, with the chain lock held: reads the chain's end, hashes the entry and inserts it in
 * ONE statement (the lock is then held for this statement and the commit only, instead of a read
 * and an insert). The hash is computed by the database over the same canonical content as
 * canonicalAuditContent (every value here is an id, an ISO time, a fixed name or an address, which
 * PostgreSQL's to_json and JSON.stringify write alike); verifyAuditChain checks it in JavaScript.
 */
async function appendInOneStatement(trx: Kysely<DB>, base: Omit<AuditRow, 'seq' | 'prev_hash' | 'hash'>): Promise<AuditRow> {
  const b = base;
  const { rows } = await sql<{ seq: number; prev_hash: string; hash: string }>`
    with prev as (
      select coalesce(last.seq, 0) + 1 as seq, coalesce(last.hash, ${GENESIS_HASH}) as prev_hash
      from (select 1) one left join lateral (select seq, hash from audit_log order by seq desc limit 1) last on true
    ), entry as (
      select seq, prev_hash, '[' || seq || ',' || ${jsonText(b.id)} || ',' || ${jsonText(b.at)} || ',' || ${jsonText(b.actor_kind)}
        || ',' || ${jsonText(b.actor_id)} || ',' || ${jsonText(b.action)} || ',' || ${jsonText(b.outcome)}
        || ',' || ${jsonText(b.patient_id)} || ',' || ${jsonText(b.visit_id)} || ',' || ${jsonText(b.staff_id)}
        || ',' || ${jsonText(b.participant_id)} || ',' || ${jsonText(b.checkin_id)} || ',' || ${jsonText(b.link_id)}
        || ',' || ${jsonText(b.request_id)} || ',' || ${jsonText(b.ip)} || ',' || to_json(prev_hash)::text || ']' as content
      from prev
    )
    insert into audit_log (id, seq, at, actor_kind, actor_id, action, outcome, patient_id, visit_id, staff_id, participant_id,
                           checkin_id, link_id, request_id, ip, prev_hash, hash)
    select ${b.id}, seq, ${b.at}, ${b.actor_kind}, ${b.actor_id}, ${b.action}, ${b.outcome}, ${b.patient_id}, ${b.visit_id},
           ${b.staff_id}, ${b.participant_id}, ${b.checkin_id}, ${b.link_id}, ${b.request_id}, ${b.ip},
           prev_hash, encode(sha256(convert_to(content, 'UTF8')), 'hex')
    from entry
    returning seq, prev_hash, hash`.execute(trx);
  const row = rows[0]!;
  return { ...b, seq: Number(row.seq), prev_hash: row.prev_hash, hash: row.hash };
}

const VERIFY_BATCH = 1000;

/**
 * Walks the whole chain oldest first and recomputes every hash. Reports the first entry whose
 * content, position or link to the previous entry does not match: an edited row breaks at
 * itself, a deleted row breaks at the entry after the gap. A truncated tail is only visible
 * against a previously recorded `headHash`.
 */
export async function verifyAuditChain(db: Kysely<DB>): Promise<AuditVerifyResult> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const rows = await auditRowsAfter(db, expectedSeq - 1, VERIFY_BATCH);
    for (const row of rows) {
      const broken = (reason: string): AuditVerifyResult => ({
        ok: false,
        entries,
        firstBrokenId: row.id,
        firstBrokenSeq: Number(row.seq),
        reason,
      });
      if (Number(row.seq) !== expectedSeq) return broken(`entry ${expectedSeq} is missing`);
      if (row.prev_hash !== prevHash) return broken('does not link to the entry before it');
      const { hash, ...rest } = row;
      if (hashAuditRow({ ...rest, seq: Number(row.seq) }) !== hash) return broken('content does not match its hash');
      prevHash = hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  return { ok: true, entries, ...(entries > 0 ? { headHash: prevHash } : {}) };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Turns the API's filter (days or instants) into instants: a bare `to` day includes that whole day. */
export function resolveAuditFilter(f: AuditFilter): AuditRowFilter {
  const instant = (s: string, endOfDay: boolean) => {
    if (!DATE_ONLY.test(s)) return new Date(s).toISOString();
    const start = Date.parse(`${s}T00:00:00Z`);
    return new Date(endOfDay ? start + 86_400_000 : start).toISOString();
  };
  return {
    ...(f.from ? { from: instant(f.from, false) } : {}),
    ...(f.to ? { to: instant(f.to, true) } : {}),
    ...(f.actorId ? { actorId: f.actorId.toLowerCase() } : {}),
    ...(f.patientId ? { patientId: f.patientId.toLowerCase() } : {}),
    ...(f.action ? { action: f.action } : {}),
  };
}

/** One page of entries, newest first, and the cursor of the next page when there is one. */
export async function listAudit(
  db: Kysely<DB>,
  filter: AuditFilter,
  page: { limit: number; cursor?: string },
): Promise<{ rows: AuditRow[]; nextCursor?: string }> {
  const rows = await listAuditRows(db, resolveAuditFilter(filter), {
    limit: page.limit + 1,
    ...(page.cursor !== undefined ? { beforeSeq: Number(page.cursor) } : {}),
  });
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  const last = shown.at(-1);
  return { rows: shown, ...(more && last ? { nextCursor: String(last.seq) } : {}) };
}

/** Shapes a row for the API (column names to camelCase; prev_hash stays internal). */
export function toAuditEntryResponse(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    seq: Number(row.seq),
    at: row.at,
    actorKind: row.actor_kind,
    actorId: row.actor_id,
    action: row.action as AuditAction,
    outcome: row.outcome,
    patientId: row.patient_id,
    visitId: row.visit_id,
    staffId: row.staff_id,
    participantId: row.participant_id,
    checkinId: row.checkin_id,
    linkId: row.link_id,
    requestId: row.request_id,
    ip: row.ip,
    hash: row.hash,
  };
}

const CSV_COLUMNS = [
  'seq',
  'at',
  'actorKind',
  'actorId',
  'action',
  'outcome',
  'patientId',
  'visitId',
  'staffId',
  'participantId',
  'checkinId',
  'linkId',
  'requestId',
  'ip',
  'hash',
] as const;

/**
 * One CSV cell, quoted when needed. A cell starting with = + - @ (or tab / carriage return) gets a
 * leading apostrophe so a spreadsheet shows it as text instead of running it as a formula.
 */
export function csvCell(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const AUDIT_CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

/** One CSV line (CRLF-terminated) for an entry. */
export function auditCsvLine(entry: AuditEntry): string {
  return CSV_COLUMNS.map((c) => csvCell(entry[c])).join(',') + '\r\n';
}
