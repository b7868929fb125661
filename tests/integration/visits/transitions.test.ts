import type { Socket } from 'socket.io-client';
import type { Response } from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connects, describeEachDatabase, nextEvent, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, patientWaiting, type BuiltVisit } from '../../helpers/visit-builder';

/*
 * Parallel clicks, over real HTTP against the real app: several clinicians act on the same
 * waiting patient at once. Whatever the interleaving, exactly one change wins each step, the
 * others get the idempotent answer or 409, and the audit trail and the patient's socket tell the
 * same story as the database.
 */

type Action = 'admit' | 'deny' | 'return' | 'remove' | 'end';
type State = 'waiting' | 'admitted' | 'denied' | 'left' | 'removed';

const AUDITED: Record<string, Action> = {
  'participant.admitted': 'admit',
  'participant.denied': 'deny',
  'participant.returned': 'return',
  'participant.removed': 'remove',
  'visit.ended': 'end',
};

/** The rules the server must follow, replayed over the audit trail. */
function apply(state: State, open: boolean, action: Action): { state: State; open: boolean } {
  const refuse = () => {
    throw new Error(`${action} cannot win from ${state} (visit ${open ? 'open' : 'ended'})`);
  };
  switch (action) {
    case 'admit':
      return open && state === 'waiting' ? { state: 'admitted', open } : refuse();
    case 'deny':
      return open && state === 'waiting' ? { state: 'denied', open } : refuse();
    case 'return':
      return open && (state === 'admitted' || state === 'denied') ? { state: 'waiting', open } : refuse();
    case 'remove':
      return state !== 'removed' ? { state: 'removed', open } : refuse();
    case 'end':
      return open ? { state: state === 'waiting' || state === 'admitted' ? 'left' : state, open: false } : refuse();
  }
}

const TARGET: Record<Exclude<Action, 'end'>, State> = { admit: 'admitted', deny: 'denied', return: 'waiting', remove: 'removed' };

/** Each round builds a fresh visit with signed-in clinicians; slow on a busy machine, so the races get room. */
const RACE_TIMEOUT = 180_000;

describeEachDatabase('parallel admit, deny, remove, return and end (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  /** A waiting patient whose socket records every participant:state and visit:ended it hears. */
  async function waitingWithSocket(clinicians: number) {
    const v = await buildVisit(t, { clinicians });
    const { agent, participantId } = await patientWaiting(t, v);
    const socket = t.socket(agent);
    const ready = nextEvent(socket, 'visit:clinician-presence');
    expect(await connects(socket)).toBe(true);
    await ready;
    const heard: string[] = [];
    socket.on('participant:state', (p: { participantId: string; state: string }) => heard.push(p.participantId === participantId ? p.state : 'other'));
    socket.on('visit:ended', () => heard.push('visit:ended'));
    return { v, participantId, socket, heard };
  }

  function call(v: BuiltVisit, who: number, action: Action, participantId: string): Promise<Response> {
    const agent = v.clinicians[who % v.clinicians.length]!.agent;
    const base = `/api/visits/${v.visitId}`;
    switch (action) {
      case 'admit':
        return agent.post(`${base}/admit`).send({ participantId });
      case 'deny':
        return agent.post(`${base}/deny`).send({ participantId });
      case 'return':
        return agent.post(`${base}/return-to-waiting`).send({ participantId });
      case 'remove':
        return agent.post(`${base}/participants/${participantId}/remove`);
      case 'end':
        return agent.post(`${base}/end`);
    }
  }

  const auditedActions = async (visitId: string) =>
    (await t.database.db.selectFrom('audit_log').select(['action', 'actor_id']).where('visit_id', '=', visitId).orderBy('seq').execute())
      .filter((r) => r.action in AUDITED)
      .map((r) => ({ action: AUDITED[r.action]!, actor: r.actor_id }));

  const stored = async (visitId: string, participantId: string) => ({
    state: (await t.database.db.selectFrom('participants').select('state').where('id', '=', participantId).executeTakeFirstOrThrow()).state,
    status: (await t.database.db.selectFrom('visits').select('status').where('id', '=', visitId).executeTakeFirstOrThrow()).status,
  });

  /** Every event sent before now has reached `socket`: a later event on the same connection has. */
  async function settle(v: BuiltVisit, socket: Socket, removed: boolean) {
    if (removed) {
      // The server drops a removed patient's sockets right after telling them.
      if (socket.connected) await new Promise((resolve) => socket.once('disconnect', resolve));
      return;
    }
    const watcher = t.socket(v.clinicians[0]!.agent);
    expect(await connects(watcher)).toBe(true);
    const presence = nextEvent(socket, 'visit:clinician-presence');
    expect(await watcher.emitWithAck('visit:watch', { visitId: v.visitId })).toEqual({ ok: true });
    await presence;
    watcher.close();
  }

  it('admit and deny at once: exactly one wins, the other gets 409, and only the winner is recorded and heard', async () => {
    for (let round = 0; round < 5; round++) {
      const { v, participantId, socket, heard } = await waitingWithSocket(2);
      const [admit, deny] = await Promise.all([call(v, 0, 'admit', participantId), call(v, 1, 'deny', participantId)]);
      const winners = [admit, deny].filter((r) => r.status === 200);
      expect(winners, `round ${round}: ${admit.status}/${deny.status}`).toHaveLength(1);
      expect([admit, deny].find((r) => r.status !== 200)?.status).toBe(409);
      const winner: Action = admit.status === 200 ? 'admit' : 'deny';
      const state = TARGET[winner as 'admit' | 'deny'];
      expect(winners[0]!.body.participant).toEqual({ id: participantId, state });
      expect((await stored(v.visitId, participantId)).state).toBe(state);
      const audited = await auditedActions(v.visitId);
      expect(audited.map((a) => a.action)).toEqual([winner]);
      expect(audited[0]!.actor).toBe(v.clinicians[winner === 'admit' ? 0 : 1]!.staff.id);
      await settle(v, socket, false);
      expect(heard).toEqual([state]);
    }
  }, RACE_TIMEOUT);

  it('the same action three times at once: all answer the same state, one audit entry, one event', async () => {
    const { v, participantId, socket, heard } = await waitingWithSocket(3);
    const answers = await Promise.all([0, 1, 2].map((who) => call(v, who, 'admit', participantId)));
    for (const a of answers) expect({ status: a.status, body: a.body }).toEqual({ status: 200, body: { participant: { id: participantId, state: 'admitted' } } });
    expect((await auditedActions(v.visitId)).map((a) => a.action)).toEqual(['admit']);
    expect((await stored(v.visitId, participantId)).status).toBe('in_progress');
    await settle(v, socket, false);
    expect(heard).toEqual(['admitted']);

    const ends = await Promise.all([0, 1, 2].map((who) => call(v, who, 'end', participantId)));
    for (const e of ends) expect({ status: e.status, body: e.body }).toEqual({ status: 200, body: { visit: { id: v.visitId, status: 'completed' } } });
    expect((await auditedActions(v.visitId)).map((a) => a.action)).toEqual(['admit', 'end']);
  }, RACE_TIMEOUT);

  it('admit, deny, return, remove and end all at once leave one consistent story in the database, the audit trail and the socket', async () => {
    const actions: Action[] = ['admit', 'deny', 'return', 'remove', 'end'];
    for (let round = 0; round < 4; round++) {
      const { v, participantId, socket, heard } = await waitingWithSocket(3);
      // A different order of firing each round, so different requests reach the database first.
      const order = actions.map((_, i) => actions[(i + round) % actions.length]!);
      const responses = await Promise.all(order.map((a, i) => call(v, i, a, participantId)));
      const byAction = new Map(order.map((a, i) => [a, responses[i]!]));
      for (const [a, r] of byAction) expect([200, 409], `${a}: ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
      for (const r of byAction.values()) if (r.status === 409) expect(r.body.error.code).toBe('conflict');

      const audited = (await auditedActions(v.visitId)).map((a) => a.action);
      let now: { state: State; open: boolean } = { state: 'waiting', open: true };
      for (const a of audited) now = apply(now.state, now.open, a);
      const db = await stored(v.visitId, participantId);
      expect(db.state).toBe(now.state);
      expect(db.status).toBe(now.open ? 'in_progress' : 'completed');
      // Ending is always possible in this race, and it always happens exactly once.
      expect(audited.filter((a) => a === 'end')).toHaveLength(1);

      for (const [a, r] of byAction) {
        if (audited.includes(a)) {
          expect(r.status, `${a} was recorded, so it must have succeeded`).toBe(200);
        } else if (r.status === 200) {
          // Answered without a change: only when the participant already stood where it asked.
          expect(a, `${a} answered 200 without being recorded`).not.toBe('end');
          expect(r.body.participant.state).toBe(TARGET[a as Exclude<Action, 'end'>]);
        }
      }

      const removed = audited.includes('remove');
      await settle(v, socket, removed);
      const heardStates = heard.filter((e) => e !== 'visit:ended');
      // The visit's end closes the patient's sockets (after telling them), so a socket hears only
      // the changes recorded before the end.
      const beforeEnd = audited.slice(0, audited.indexOf('end'));
      const expectedStates = beforeEnd.filter((a): a is Exclude<Action, 'end'> => a !== 'end').map((a) => TARGET[a]);
      expect(heardStates, `audit ${audited.join(',')} heard ${heard.join(',')}`).toEqual(expectedStates);
      const endedBeforeRemoval = !removed || audited.indexOf('end') < audited.indexOf('remove');
      if (endedBeforeRemoval) expect(heard.filter((e) => e === 'visit:ended')).toHaveLength(1);
      // A removal closes the patient's sockets after its commit; an end that commits in that
      // moment may still reach the closing socket, once. Never more, and never a state after it.
      else expect(heard.filter((e) => e === 'visit:ended').length).toBeLessThanOrEqual(1);
      socket.close();
    }
  }, RACE_TIMEOUT);
});
