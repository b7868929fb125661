import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../db/schema';
import type { CheckinBroadcast } from './checkins.socket';
import { listUnpushedAlerts, markAlertPushed, unmarkAlertPushed } from './checkins.store';

export interface AlertSweeperDeps {
  db: Kysely<DB>;
  broadcast: CheckinBroadcast;
  logger: Logger;
  /** An alert still unpushed this long after it was raised is pushed again. */
  afterMs: number;
}

/**
 * Pushes again the safety alerts whose push never went out (the process that committed them
 * crashed, or the push failed). Runs on every process; the timer only triggers, and each alert is
 * claimed with a guarded update first, so exactly one process pushes it.
 */
export class AlertSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: AlertSweeperDeps) {}

  /** Pushes every alert owed since `afterMs` before `now` that this call claims; returns how many went out. */
  async sweep(now = new Date()): Promise<number> {
    const { db, broadcast, afterMs } = this.deps;
    let pushed = 0;
    for (const a of await listUnpushedAlerts(db, new Date(now.getTime() - afterMs).toISOString())) {
      const at = new Date().toISOString();
      if (!(await markAlertPushed(db, a.id, at))) continue;
      if (await broadcast.alert({ id: a.id, visitId: a.visit_id, checkinId: a.checkin_id, code: a.code })) pushed += 1;
      else await unmarkAlertPushed(db, a.id, at);
    }
    return pushed;
  }

  /** Starts the periodic sweep (never two at once on this process). */
  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .catch((err: unknown) => this.deps.logger.warn({ err: { message: (err as Error).message } }, 'alert sweep failed'))
        .finally(() => (this.running = undefined));
    }, Math.max(500, this.deps.afterMs / 2));
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
