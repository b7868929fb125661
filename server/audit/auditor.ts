import type { Request, Response } from 'express';
import type { Kysely, RawBuilder } from 'kysely';
import type { AuditAction } from '@shared/api/audit.schema';
import type { Dialect } from '../db/database';
import type { DB } from '../db/schema';
import { writeTransaction } from '../db/serial-write';
import { changeWithEntry, recordAuditEntries, type AuditActor, type AuditTargets } from './audit.service';

/** Who is acting, built once per request from its sessions (see auditFrom). */
export interface AuditContext {
  actor: AuditActor;
  requestId?: string;
  ip?: string;
}

/** What happened, to whom: ids only. */
export interface AuditEvent {
  action: AuditAction;
  targets?: AuditTargets;
  outcome?: 'success' | 'failure';
}

/**
 * The app's one writer of the audit trail, created once in createApp; it knows the dialect so
 * feature code never does. A change and its entry share one transaction: open it with
 * `transaction`, make the change, then `record` as the LAST statement (the chain lock it takes is
 * then held only until commit). If the entry cannot be written, the change rolls back with it.
 */
export class Auditor {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
  ) {}

  /** Runs a change in one write transaction; broadcasts and other side effects belong after it returns. */
  transaction<T>(change: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return writeTransaction(this.db, this.dialect, change);
  }

  /**
   * Appends entries, in order, in one append (one lock, one read, one insert however many).
   * Pass the change's transaction (from `transaction`) to commit with it; pass the root db to
   * record something that changed nothing (a read, a refused sign-in).
   */
  async record(db: Kysely<DB>, ctx: AuditContext, ...events: AuditEvent[]): Promise<void> {
    await recordAuditEntries(
      db,
      this.dialect,
      events.map((e) => ({ ...ctx, ...e })),
    );
  }

  /** Whether changeInOneStatement is available: on PostgreSQL, where a statement is its own transaction. */
  get changesInOneStatement(): boolean {
    return this.dialect === 'postgres';
  }

  /**
   * PostgreSQL only: a guarded change and its entry as one statement, committed on its own (see
   * changeWithEntry for how `change` is written). Returns false, with nothing written, when the
   * change's guard matched nothing; the caller then takes its `transaction` path.
   */
  changeInOneStatement(ctx: AuditContext, event: AuditEvent, change: RawBuilder<unknown>): Promise<boolean> {
    if (!this.changesInOneStatement) throw new Error('changeInOneStatement needs PostgreSQL');
    return changeWithEntry(this.db, { ...ctx, ...event }, change);
  }
}

/**
 * Actor, request id and source address of an Express request. A staff session wins over a
 * patient session when a browser carries both.
 */
export function auditFrom(req: Request, res: Response): AuditContext {
  const staff = res.locals.staff;
  const patient = res.locals.patient;
  const actor: AuditActor = staff
    ? { kind: 'staff', id: staff.id }
    : patient
      ? { kind: 'patient', id: patient.participantId }
      : { kind: 'anonymous' };
  return { actor, requestId: req.id, ip: req.ip };
}
