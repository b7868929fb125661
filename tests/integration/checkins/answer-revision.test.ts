import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Auditor } from '../../../server/audit/auditor';
import { CheckinBroadcast } from '../../../server/checkins/checkins.socket';
import { saveAnswer, type CheckinsDeps } from '../../../server/checkins/checkins.service';
import { answersOf, findCheckinForAnswering } from '../../../server/checkins/checkins.store';
import { admittedPatient, PHQ9_DIFFICULTY, PHQ9_ITEMS, PHQ_OPTION, sendCheckin } from '../../helpers/checkin-builder';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit } from '../../helpers/visit-builder';

/*
 * An answer save reads the check-in's answers before its transaction (one round trip less) and
 * trusts them only while the check-in's revision is unchanged. Here another answer lands between
 * that read and the save's transaction, and it is the one that switches the saved item on: the
 * save must see it. The service is called with the real store, auditor and broadcast, exactly as
 * the route calls it, so the read can be taken before the other answer.
 */
describeEachDatabase('answer save against answers that changed since they were read (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { PRESENCE_GRACE_SECONDS: '3600' } });
  });
  afterAll(() => t.close());

  it('is checked against the answers stored now, not those read before', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const db = t.database.db;
    const deps: CheckinsDeps = {
      db,
      auditor: new Auditor(db, dialect),
      instruments: t.handle.instruments,
      broadcast: new CheckinBroadcast(db, t.handle.io, pino({ level: 'silent' })),
      crisisResources: t.config.crisisResources,
      careRelationshipDays: t.config.careRelationshipDays,
    };

    const before = await findCheckinForAnswering(db, checkinId, patient.participantId);
    expect(before?.facts.answers).toEqual({});
    // "How difficult…" is asked only once a problem was reported: item 1 answered "several days".
    await patient.agent.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[1] }).expect(200);

    const ctx = { actor: { kind: 'patient' as const, id: patient.participantId } };
    await expect(saveAnswer(deps, ctx, before!.row, before!.answering, PHQ9_DIFFICULTY, 'LA6572-7', before!.facts)).resolves.toMatchObject({ saved: true });
    expect((await answersOf(db, [checkinId])).get(checkinId)).toEqual({ [PHQ9_ITEMS[0]]: PHQ_OPTION[1], [PHQ9_DIFFICULTY]: 'LA6572-7' });

    // And the other way round: item 1 taken back to "not at all" since the read switches the item off again.
    const stale = await findCheckinForAnswering(db, checkinId, patient.participantId);
    await patient.agent.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[0]}`).send({ value: PHQ_OPTION[0] }).expect(200);
    await expect(saveAnswer(deps, ctx, stale!.row, stale!.answering, PHQ9_DIFFICULTY, 'LA6573-5', stale!.facts)).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
  });
});
