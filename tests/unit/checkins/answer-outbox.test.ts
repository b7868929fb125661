import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnswerResponse } from '@shared/api/checkins.schema';
import { AnswerOutbox, type OutboxItem, type SaveState } from '../../../client/features/checkin/answer-outbox';
import { ApiError } from '../../../client/lib/api';

/**
 * A scripted answer endpoint: it records every save in order, keeps the latest stored value per
 * item like the server does, and fails the way a script says (network down, 5xx, 409 …).
 */
function answerEndpoint() {
  const calls: OutboxItem[] = [];
  const stored = new Map<string, unknown>();
  const failures: (ApiError | null)[] = [];
  let gate: Promise<void> | null = null;
  return {
    calls,
    stored,
    /** The next saves fail with these errors, in order (null = succeed). */
    failNext: (...errors: (ApiError | null)[]) => failures.push(...errors),
    /** Holds every save until the returned function is called. */
    hold(): () => void {
      let release = () => {};
      gate = new Promise((r) => (release = r));
      return () => {
        gate = null;
        release();
      };
    },
    async save(item: OutboxItem): Promise<AnswerResponse> {
      calls.push(item);
      if (gate) await gate;
      const failure = failures.shift();
      if (failure) throw failure;
      const key = `${item.checkinId}|${item.linkId}`;
      if (item.value === null) stored.delete(key);
      else stored.set(key, item.value);
      return { saved: true };
    },
  };
}

const offline = () => new ApiError(0, 'network_error', 'offline');
const restarting = () => new ApiError(503, 'internal_error', 'restarting');

function outboxWith(endpoint: ReturnType<typeof answerEndpoint>) {
  const states: SaveState[] = [];
  const closed: string[] = [];
  const itemErrors: Record<string, string | null> = {};
  const outbox = new AnswerOutbox({
    save: (item) => endpoint.save(item),
    onStateChange: (s) => states.push(s),
    onClosed: (id) => closed.push(id),
    onItemError: (key, message) => (itemErrors[key] = message),
  });
  return { outbox, states, closed, itemErrors };
}

describe('the patient answer outbox', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('saves answers one at a time, in the order they were given', async () => {
    const server = answerEndpoint();
    const { outbox, states } = outboxWith(server);
    const release = server.hold();
    void outbox.put('c1', 'q1', 'a');
    void outbox.put('c1', 'q2', 'b');
    void outbox.put('c2', 'q1', 'c');
    expect(server.calls).toHaveLength(1); // the others wait for the first
    release();
    await outbox.flush();
    expect(server.calls.map((c) => `${c.checkinId}/${c.linkId}=${String(c.value)}`)).toEqual(['c1/q1=a', 'c1/q2=b', 'c2/q1=c']);
    expect(states.at(-1)).toBe('saved');
    expect(outbox.pending()).toEqual([]);
  });

  it('sends only the latest value of an answer changed before it was saved, after the answers given before the change', async () => {
    const server = answerEndpoint();
    const { outbox } = outboxWith(server);
    const release = server.hold();
    void outbox.put('c1', 'q0', 'first'); // in flight
    void outbox.put('c1', 'q1', 'x');
    void outbox.put('c1', 'q2', 'y');
    void outbox.put('c1', 'q1', 'z'); // q1 changed: only z is sent, and after q2
    release();
    await outbox.flush();
    expect(server.calls.map((c) => `${c.linkId}=${String(c.value)}`)).toEqual(['q0=first', 'q2=y', 'q1=z']);
    expect(server.stored.get('c1|q1')).toBe('z');
  });

  it('saves an answer again when it changes while its first value is on the way', async () => {
    const server = answerEndpoint();
    const { outbox } = outboxWith(server);
    const release = server.hold();
    void outbox.put('c1', 'q1', 'old');
    void outbox.put('c1', 'q1', 'new');
    release();
    await outbox.flush();
    expect(server.calls.map((c) => c.value)).toEqual(['old', 'new']);
    expect(server.stored.get('c1|q1')).toBe('new');
  });

  it('keeps answers through a dropped connection and retries with a growing delay', async () => {
    const server = answerEndpoint();
    const { outbox, states } = outboxWith(server);
    server.failNext(offline(), restarting(), offline());
    await outbox.put('c1', 'q1', 'a');
    expect(states.at(-1)).toBe('offline');
    expect(outbox.pending()).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(1999);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // 2 s
    expect(server.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(3999);
    expect(server.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // then 4 s
    expect(server.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(8000); // then 8 s, and it goes through
    expect(server.calls).toHaveLength(4);
    expect(server.stored.get('c1|q1')).toBe('a');
    expect(states.at(-1)).toBe('saved');
  });

  it('starts the delay over after a save goes through', async () => {
    const server = answerEndpoint();
    const { outbox } = outboxWith(server);
    server.failNext(offline(), offline());
    await outbox.put('c1', 'q1', 'a');
    await vi.advanceTimersByTimeAsync(2000 + 4000);
    expect(server.stored.get('c1|q1')).toBe('a');
    server.failNext(offline());
    await outbox.put('c1', 'q2', 'b');
    await vi.advanceTimersByTimeAsync(2000);
    expect(server.stored.get('c1|q2')).toBe('b');
  });

  it("waits as long as a 429's Retry-After says", async () => {
    const server = answerEndpoint();
    const { outbox } = outboxWith(server);
    server.failNext(new ApiError(429, 'rate_limited', 'slow down', undefined, 7));
    await outbox.put('c1', 'q1', 'a');
    await vi.advanceTimersByTimeAsync(6999);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.stored.get('c1|q1')).toBe('a');
  });

  it("an overloaded server's 503 keeps the answer and retries it when Retry-After says", async () => {
    const server = answerEndpoint();
    const { outbox, states } = outboxWith(server);
    server.failNext(new ApiError(503, 'overloaded', 'busy', undefined, 1));
    await outbox.put('c1', 'q1', 'a');
    expect(states.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(999);
    expect(server.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.stored.get('c1|q1')).toBe('a');
    expect(outbox.pending()).toEqual([]);
  });

  it('a check-in shared elsewhere (409 already_shared) drops only its own answers and says the check-in is closed', async () => {
    const server = answerEndpoint();
    const { outbox, states, closed } = outboxWith(server);
    const release = server.hold();
    void outbox.put('c1', 'q1', 'a');
    void outbox.put('c1', 'q2', 'b');
    void outbox.put('c2', 'q1', 'c');
    server.failNext(new ApiError(409, 'already_shared', 'This check-in was already shared'));
    release();
    await outbox.flush();
    expect(closed).toEqual(['c1']);
    expect(states).toContain('closed');
    expect(outbox.pending().map((p) => p.checkinId)).toEqual(['c2']);
    // The other check-in's answer is still saved by the next flush.
    await outbox.flush();
    expect(server.stored.get('c2|q1')).toBe('c');
    expect(server.calls.some((c) => c.linkId === 'q2' && c.checkinId === 'c1')).toBe(false);
  });

  it('a rejected answer (400) is reported on its item and the next answers are still saved', async () => {
    const server = answerEndpoint();
    const { outbox, itemErrors } = outboxWith(server);
    const release = server.hold();
    void outbox.put('c1', 'q1', 'not-an-option');
    void outbox.put('c1', 'q2', 'b');
    server.failNext(new ApiError(400, 'validation_failed', 'Choose one of the options'));
    release();
    await outbox.flush();
    expect(itemErrors['c1|q1']).toBe('Choose one of the options');
    expect(server.stored.get('c1|q2')).toBe('b');
    await outbox.put('c1', 'q1', 'fixed');
    expect(itemErrors['c1|q1']).toBeNull();
  });

  it('loses no answer through any pattern of failures: what the server holds is the last answer given to each item', async () => {
    const server = answerEndpoint();
    const { outbox } = outboxWith(server);
    const given = new Map<string, string | null>();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const link = `q${Math.floor(random() * 6)}`;
      const value = random() < 0.15 ? null : `v${round}`;
      if (random() < 0.3) server.failNext(random() < 0.5 ? offline() : restarting());
      given.set(`c1|${link}`, value);
      void outbox.put('c1', link, value);
      if (random() < 0.3) await vi.advanceTimersByTimeAsync(random() * 5000);
    }
    await vi.advanceTimersByTimeAsync(120_000);
    await outbox.flush();
    expect(outbox.pending()).toEqual([]);
    for (const [key, value] of given) expect(server.stored.get(key) ?? null).toBe(value);
  });

  it('stops retrying once disposed', async () => {
    const server = answerEndpoint();
    const { outbox } = outboxWith(server);
    server.failNext(offline());
    await outbox.put('c1', 'q1', 'a');
    outbox.dispose();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.calls).toHaveLength(1);
  });
});
