import type { AnswerResponse } from '@shared/api/checkins.schema';
import type { AnswerValue } from '@shared/instruments/definition.schema';
import { ApiError } from '../../lib/api';

/** One answer waiting to be saved; `null` takes an earlier answer back. */
export interface OutboxItem {
  checkinId: string;
  linkId: string;
  value: AnswerValue | null;
}

/** idle: nothing to save · saving · saved · offline: kept here, retried · closed: the visit no longer takes answers. */
export type SaveState = 'idle' | 'saving' | 'saved' | 'offline' | 'closed';

export interface AnswerOutboxOptions {
  /** Saves one answer on the server (PUT, or DELETE for `null`). */
  save(item: OutboxItem): Promise<AnswerResponse>;
  onStateChange?(state: SaveState): void;
  onSaved?(item: OutboxItem, response: AnswerResponse): void;
  /** A rejected answer's message (`null` once a later value for the item is saved). */
  onItemError?(key: string, message: string | null): void;
  /** The check-in stopped taking answers (shared elsewhere, visit over, session gone); what waited for it is dropped. */
  onClosed?(checkinId: string): void;
  firstRetryMs?: number;
  maxRetryMs?: number;
}

export const outboxKey = (checkinId: string, linkId: string) => `${checkinId}|${linkId}`;

const same = (a: AnswerValue | null | undefined, b: AnswerValue | null | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** Worth trying again later: the network, a restarting server, or a rate limit. */
function isTransient(e: ApiError): boolean {
  return e.status === 0 || e.status >= 500 || e.status === 429;
}

/**
 * The patient's unsaved answers. Answers are saved one at a time in the order they were given
 * (a changed answer moves to the back, and only its latest value is sent); a dropped connection or
 * a restarting server keeps them here and retries with a growing delay, so no answer is lost.
 */
export class AnswerOutbox {
  private readonly queue = new Map<string, OutboxItem>();
  private flushing: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryMs: number;
  private disposed = false;

  constructor(private readonly options: AnswerOutboxOptions) {
    this.retryMs = options.firstRetryMs ?? 2000;
  }

  /** Queues an answer (replacing any unsaved value for the same item) and starts saving. */
  put(checkinId: string, linkId: string, value: AnswerValue | null): Promise<void> {
    const key = outboxKey(checkinId, linkId);
    this.queue.delete(key); // re-inserted at the end: saves keep the order answers were given
    this.queue.set(key, { checkinId, linkId, value });
    return this.flush();
  }

  /** What still waits to be saved, oldest first. */
  pending(): OutboxItem[] {
    return [...this.queue.values()];
  }

  hasPending(checkinId: string): boolean {
    return this.pending().some((p) => p.checkinId === checkinId);
  }

  /** Saves everything queued; resolves when the queue is empty or saving has to wait. */
  flush(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Stops retrying (the page is going away). */
  dispose(): void {
    this.disposed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async drain(): Promise<void> {
    let savedSomething = false;
    for (;;) {
      const next = this.queue.entries().next();
      if (next.done || this.disposed) break;
      const [key, item] = next.value;
      this.options.onStateChange?.('saving');
      try {
        const res = await this.options.save(item);
        // A newer answer to the same question may have arrived meanwhile; it stays queued.
        if (same(this.queue.get(key)?.value, item.value)) this.queue.delete(key);
        savedSomething = true;
        this.retryMs = this.options.firstRetryMs ?? 2000;
        this.options.onItemError?.(key, null);
        this.options.onSaved?.(item, res);
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(0, 'network_error', 'network');
        if (isTransient(e)) {
          this.scheduleRetry(e.retryAfterSeconds ? e.retryAfterSeconds * 1000 : this.retryMs);
          this.retryMs = Math.min(this.retryMs * 2, this.options.maxRetryMs ?? 30_000);
          this.options.onStateChange?.('offline');
          return;
        }
        this.queue.delete(key);
        if (e.status === 400) {
          this.options.onItemError?.(key, e.message);
          continue;
        }
        for (const [k, p] of this.queue) if (p.checkinId === item.checkinId) this.queue.delete(k);
        this.options.onStateChange?.('closed');
        this.options.onClosed?.(item.checkinId);
        return;
      }
    }
    if (savedSomething) this.options.onStateChange?.('saved');
  }

  private scheduleRetry(ms: number) {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, ms);
  }
}
