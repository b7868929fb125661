import { createHash, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { AuditAction, AuditActorKind, AuditEntry, AuditFilter, AuditVerifyResult } from '@shared/api/audit.schema';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { isInTransaction, writeTransaction } from '../db/serial-write';
import {
  auditChains,
  chainEnd,
  chainRowsAfter,
  insertAuditRows,
  legacyRowsAfter,
  listAuditRows,
  type AuditRow,
  type AuditRowFilter,
} from './audit.store';

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

/** prev_hash of the first entry of chain 0 (and of the one chain written before migration 013). */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * How many independent hash chains new entries are spread over. Each chain has its own gapless
 * positions and its own lock, so on PostgreSQL an audited change waits only for appends to the
 * same chain (one in AUDIT_CHAINS of the unrelated ones) instead of for every other append. The
 * count can change later: an entry's chain is stored with it and verification walks every chain
 * it finds.
 */
export const AUDIT_CHAINS = 16;

/** prev_hash of the first entry of chain `chain`: distinct per chain, so prev_hash stays unique across the trail. */
export function chainGenesis(chain: number): string {
  return chain === 0 ? GENESIS_HASH : createHash('sha256').update(`alcove audit chain ${chain}`, 'utf8').digest('hex');
}

/**
 * The chain an entry goes to: from the visit it is about, else the patient, else who acted, else
 * the entry itself. Everything about one visit (or one patient outside visits) then lands in one
 * chain, in order; unrelated visits land in different chains most of the time.
 */
export function auditChainOf(entry: Pick<AuditRow, 'id' | 'visit_id' | 'patient_id' | 'actor_id'>): number {
  const key = entry.visit_id ?? entry.patient_id ?? entry.actor_id ?? entry.id;
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % AUDIT_CHAINS;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function idOrNull(value: string | undefined, field: string): string | null {
  if (value === undefined) return null;
  // An id that is not a UUID is a bug at the call site, and could be PHI (a name, a DOB): refuse it.
  if (!UUID.test(value)) throw new Error(`audit: ${field} must be a UUID`);
  return value.toLowerCase();
}

/**
 * The exact bytes an entry's hash covers: a JSON array in fixed column order, so the result
 * does not depend on key order, the driver or the dialect. Entries written since migration 013
 * also cover their chain and position in it (appended at the end); entries written before it
 * (chain_seq NULL) keep the content they were hashed with.
 */
export function canonicalAuditContent(row: Omit<AuditRow, 'hash'>): string {
  const content: (string | number | null)[] = [
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
  ];
  if (row.chain_seq !== null) content.push(row.chain, row.chain_seq);
  return JSON.stringify(content);
}

/** SHA-256 (hex) of an entry's canonical content, which includes the previous entry's hash. */
export function hashAuditRow(row: Omit<AuditRow, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditContent(row), 'utf8').digest('hex');
}

type Unchained = Omit<AuditRow, 'seq' | 'prev_hash' | 'hash' | 'chain' | 'chain_seq'>;

/** An entry's columns before it is placed in a chain (no seq, chain, position, prev_hash or hash yet). */
function unchained(entry: AuditInput): Unchained {
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
 * callers and several processes on both dialects (see recordAuditEntries). Pass your transaction as
 * `db` when you are inside one, so the entry commits (or rolls back) with your change.
 * Throws on a target or actor id that is not a UUID.
 */
export async function recordAudit(db: Kysely<DB>, dialect: Dialect, entry: AuditInput): Promise<AuditRow> {
  const [row] = await recordAuditEntries(db, dialect, [entry]);
  return row!;
}

/** The chain each open transaction has appended to (and, on PostgreSQL, holds the head row of until it ends). */
const chainHeldBy = new WeakMap<Kysely<DB>, number>();

/**
 * Appends several entries, in order, to one chain (the chain of the first: see auditChainOf).
 * Everything is built (and every id checked) before the chain is locked, and the lock is held
 * only from the append to the caller's commit.
 *
 * - PostgreSQL: the chain's row in audit_chain_heads is the lock (appends to other chains do not
 *   wait for it). One entry is one statement that moves the head on and inserts the entry (see
 *   appendInOneStatement), so an audited read outside a transaction needs no BEGIN or COMMIT.
 * - SQLite: the database's one writer (BEGIN IMMEDIATE) serializes every append, so the chain's end
 *   is read from audit_log and `seq` stays gapless.
 */
export async function recordAuditEntries(db: Kysely<DB>, dialect: Dialect, entries: AuditInput[]): Promise<AuditRow[]> {
  if (!entries.length) return [];
  const bases = entries.map(unchained);
  // A transaction that appends twice stays in the chain of its first append: it then holds one
  // chain lock, never two taken in an order another transaction could take the other way round.
  const chain = (isInTransaction(db) ? chainHeldBy.get(db) : undefined) ?? auditChainOf(bases[0]!);
  if (isInTransaction(db)) chainHeldBy.set(db, chain);
  if (dialect === 'postgres' && bases.length === 1) return [await appendInOneStatement(db, chain, bases[0]!)];
  const append = async (trx: Kysely<DB>) => {
    const end = dialect === 'postgres' ? await lockChainHead(trx, chain) : await chainEnd(trx, chain);
    // PostgreSQL takes `seq` from its sequence (other chains append meanwhile); SQLite's one writer counts on.
    const seqs =
      dialect === 'postgres'
        ? (
            await sql<{ seq: string }>`select nextval('audit_log_seq') as seq from generate_series(1, ${bases.length})`.execute(trx)
          ).rows.map((r) => Number(r.seq))
        : bases.map((_, i) => end.maxSeq + i + 1);
    let position = end.last?.position ?? 0;
    let prev = end.last?.hash ?? chainGenesis(chain);
    const rows = bases.map((base, i): AuditRow => {
      position += 1;
      const unhashed = { ...base, seq: seqs[i]!, chain, chain_seq: position, prev_hash: prev };
      prev = hashAuditRow(unhashed);
      return { ...unhashed, hash: prev };
    });
    await insertAuditRows(trx, rows);
    if (dialect === 'postgres') await moveChainHead(trx, chain, rows.at(-1)!);
    return rows;
  };
  return isInTransaction(db) ? append(db) : writeTransaction(db, dialect, append);
}

/** PostgreSQL: locks the chain's head row until commit and reads where the chain ends. */
async function lockChainHead(trx: Kysely<DB>, chain: number): Promise<{ last?: { position: number; hash: string }; maxSeq: number }> {
  const head = await trx.selectFrom('audit_chain_heads').select(['chain_seq', 'hash']).where('chain', '=', chain).forUpdate().executeTakeFirst();
  if (!head) throw new Error(`audit: chain ${chain} has no head (migration 018 not applied?)`);
  return { maxSeq: 0, ...(head.hash ? { last: { position: Number(head.chain_seq), hash: head.hash } } : {}) };
}

async function moveChainHead(trx: Kysely<DB>, chain: number, last: AuditRow): Promise<void> {
  await trx
    .updateTable('audit_chain_heads')
    .set({ chain_seq: last.chain_seq!, hash: last.hash, prev_hash: last.prev_hash })
    .where('chain', '=', chain)
    .execute();
}

/** A JSON value as JSON.stringify writes it, for a text (or null) parameter. */
const jsonText = (v: string | null) => sql`coalesce(to_json(${v}::text)::text, 'null')`;

/**
 * PostgreSQL: the CTEs that append `base` to `chain` in the statement they are part of, once for
 * each row of the CTE named `gate` (no gate: once). `audit_next` takes the next global `seq`,
 * `audit_head` moves the chain's head on and hashes the entry, `audit_entry` inserts it. Updating
 * the head row locks it until the statement's transaction commits; an append that had to wait for
 * it is evaluated again on the head as the other append committed it, so the chain cannot fork.
 * The hash is computed by the database over the same canonical content as canonicalAuditContent
 * (every value here is an id, an ISO time, a fixed name, an address or an integer, which
 * PostgreSQL's to_json and JSON.stringify write alike); verifyAuditChain checks it in JavaScript.
 */
function appendCtes(chain: number, b: Unchained, gate?: string): RawBuilder<unknown> {
  const c = sql`cast(${chain} as integer)`;
  return sql`audit_next as (select nextval('audit_log_seq') as seq${gate ? sql` from ${sql.table(gate)}` : sql``}),
    audit_head as (
      update audit_chain_heads h
      set chain_seq = h.chain_seq + 1,
          prev_hash = coalesce(h.hash, ${chainGenesis(chain)}),
          hash = encode(sha256(convert_to('[' || n.seq || ',' || ${jsonText(b.id)} || ',' || ${jsonText(b.at)} || ',' || ${jsonText(b.actor_kind)}
            || ',' || ${jsonText(b.actor_id)} || ',' || ${jsonText(b.action)} || ',' || ${jsonText(b.outcome)}
            || ',' || ${jsonText(b.patient_id)} || ',' || ${jsonText(b.visit_id)} || ',' || ${jsonText(b.staff_id)}
            || ',' || ${jsonText(b.participant_id)} || ',' || ${jsonText(b.checkin_id)} || ',' || ${jsonText(b.link_id)}
            || ',' || ${jsonText(b.request_id)} || ',' || ${jsonText(b.ip)} || ',' || to_json(coalesce(h.hash, ${chainGenesis(chain)}))::text
            || ',' || ${c} || ',' || (h.chain_seq + 1) || ']', 'UTF8')), 'hex')
      from audit_next n
      where h.chain = ${c}
      returning n.seq, h.chain_seq, h.prev_hash, h.hash
    ),
    audit_entry as (
      insert into audit_log (id, seq, at, actor_kind, actor_id, action, outcome, patient_id, visit_id, staff_id, participant_id,
                             checkin_id, link_id, request_id, ip, prev_hash, hash, chain, chain_seq)
      select ${b.id}, seq, ${b.at}, ${b.actor_kind}, ${b.actor_id}, ${b.action}, ${b.outcome}, ${b.patient_id}, ${b.visit_id},
             ${b.staff_id}, ${b.participant_id}, ${b.checkin_id}, ${b.link_id}, ${b.request_id}, ${b.ip},
             prev_hash, hash, ${c}, chain_seq
      from audit_head
      returning seq, chain_seq, prev_hash, hash
    )`;
}

/**
 * PostgreSQL: appends one entry in ONE statement (see appendCtes), so an audited read outside a
 * transaction needs no BEGIN or COMMIT.
 */
async function appendInOneStatement(db: Kysely<DB>, chain: number, base: Unchained): Promise<AuditRow> {
  const { rows } = await sql<{ seq: number; chain_seq: number; prev_hash: string; hash: string }>`
    with ${appendCtes(chain, base)}
    select seq, chain_seq, prev_hash, hash from audit_entry`.execute(db);
  const row = rows[0];
  if (!row) throw new Error(`audit: chain ${chain} has no head (migration 018 not applied?)`);
  return { ...base, seq: Number(row.seq), chain, chain_seq: Number(row.chain_seq), prev_hash: row.prev_hash, hash: row.hash };
}

/**
 * PostgreSQL: a change and its one audit entry in ONE statement, which commits on its own (no
 * BEGIN, no COMMIT: a third of an answer save's round trips). `change` is the statement's first
 * CTEs, the last of them named `changed`: one row when the change was made, none when it was not
 * (a claim that matched nothing). The entry is appended after the change, for its row, so the
 * chain's head is locked last, as in a transaction that records last. Returns whether the change
 * was made. A change whose entry cannot be appended fails whole (a division by zero aborts the
 * statement), so a change is never committed without its entry.
 */
export async function changeWithEntry(db: Kysely<DB>, entry: AuditInput, change: RawBuilder<unknown>): Promise<boolean> {
  if (isInTransaction(db)) throw new Error('changeWithEntry is its own transaction');
  const base = unchained(entry);
  const { rows } = await sql<{ changed: number }>`
    with ${change},
    ${appendCtes(auditChainOf(base), base, 'changed')}
    select (select count(*) from changed)::int as changed,
           1 / (1 - (select count(*) from changed) + (select count(*) from audit_entry))::int as entry_appended`.execute(db);
  return Number(rows[0]?.changed) > 0;
}

const VERIFY_BATCH = 1000;

type ChainResult = NonNullable<AuditVerifyResult['chains']>[number];
interface Break {
  row: AuditRow;
  reason: string;
}

/**
 * Walks one chain oldest first and recomputes every hash; stops at the first entry whose content,
 * position or link to the entry before does not match. `rows(after)` gives the next batch after
 * position `after`; `positionOf` says where a row claims to be.
 */
async function walkChain(
  rows: (after: number) => Promise<AuditRow[]>,
  positionOf: (row: AuditRow) => number,
  start: { position: number; hash: string },
  check: (row: AuditRow) => string | undefined = () => undefined,
): Promise<{ entries: number; head: { position: number; hash: string }; broken?: Break }> {
  let { position, hash: prevHash } = start;
  let entries = 0;
  for (;;) {
    const batch = await rows(position);
    for (const row of batch) {
      const broken = (reason: string) => ({ entries, head: { position, hash: prevHash }, broken: { row, reason } });
      if (positionOf(row) !== position + 1) return broken(`entry ${position + 1} is missing`);
      const wrong = check(row);
      if (wrong) return broken(wrong);
      if (row.prev_hash !== prevHash) return broken('does not link to the entry before it');
      const { hash, ...rest } = row;
      if (hashAuditRow({ ...rest, seq: Number(row.seq) }) !== hash) return broken('content does not match its hash');
      prevHash = hash;
      position += 1;
      entries += 1;
    }
    if (batch.length < VERIFY_BATCH) return { entries, head: { position, hash: prevHash } };
  }
}

/** Digest of every chain's head: one value that changes with any append to any chain. */
function headsDigest(chains: ChainResult[]): string {
  return createHash('sha256')
    .update(JSON.stringify(chains.map((c) => [c.chain, c.entries, c.headHash ?? null])), 'utf8')
    .digest('hex');
}

/**
 * Walks every chain oldest first and recomputes every hash: first the entries written before
 * migration 013 (the one original chain, positions = seq), then each chain found in the table,
 * chain 0 continuing from those. In each chain an edited row breaks at itself, a deleted one at
 * the entry after the gap, an inserted one where it claims a taken position or fails to link.
 * Reports the broken entry with the smallest `seq` (and, per chain, how many entries verified
 * before any break); `entries` counts every entry verified intact. A truncated tail is only
 * visible against a previously recorded head (`chains[].headHash`, or `headHash` over them).
 */
export async function verifyAuditChain(db: Kysely<DB>): Promise<AuditVerifyResult> {
  const breaks: Break[] = [];
  const chains = new Map<number, { entries: number; head?: { position: number; hash: string } }>();
  const legacy = await walkChain(
    (after) => legacyRowsAfter(db, after, VERIFY_BATCH),
    (row) => Number(row.seq),
    { position: 0, hash: GENESIS_HASH },
    // Its hash does not cover the chain: an entry written before chains existed must say chain 0.
    (row) => (Number(row.chain) !== 0 ? 'an entry written before chains existed is outside chain 0' : undefined),
  );
  if (legacy.broken) breaks.push(legacy.broken);
  if (legacy.entries > 0 || legacy.broken) chains.set(0, { entries: legacy.entries, head: legacy.entries ? legacy.head : undefined });
  for (const chain of await auditChains(db)) {
    const before = chain === 0 && legacy.entries > 0 ? legacy.head : { position: 0, hash: chainGenesis(chain) };
    // A chain 0 whose older part is broken is not walked further: the break is what is reported.
    const walked =
      chain === 0 && legacy.broken
        ? { entries: 0, head: before }
        : await walkChain(
            (after) => chainRowsAfter(db, chain, after, VERIFY_BATCH),
            (row) => Number(row.chain_seq),
            before,
          );
    if ('broken' in walked && walked.broken) breaks.push(walked.broken);
    const prior = chains.get(chain)?.entries ?? 0;
    const entries = prior + walked.entries;
    chains.set(chain, { entries, head: entries ? walked.head : undefined });
  }
  const perChain: ChainResult[] = [...chains.entries()]
    .sort(([a], [b]) => a - b)
    .map(([chain, c]) => ({ chain, entries: c.entries, ...(c.head ? { headHash: c.head.hash } : {}) }));
  const entries = perChain.reduce((n, c) => n + c.entries, 0);
  const first = breaks.sort((a, b) => Number(a.row.seq) - Number(b.row.seq))[0];
  if (first)
    return {
      ok: false,
      entries,
      firstBrokenId: first.row.id,
      firstBrokenSeq: Number(first.row.seq),
      reason: `${first.reason} (chain ${Number(first.row.chain)})`,
      chains: perChain,
    };
  return { ok: true, entries, ...(entries > 0 ? { headHash: headsDigest(perChain), chains: perChain } : {}) };
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
