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

  /** The route's own service dependencies: the real store, auditor and broadcast. */
  function serviceDeps(): CheckinsDeps {
    const db = t.database.db;
    return {
      db,
      auditor: new Auditor(db, dialect),
      instruments: t.handle.instruments,
      broadcast: new CheckinBroadcast(db, t.handle.io, pino({ level: 'silent' })),
      crisisResources: t.config.crisisResources,
      careRelationshipDays: t.config.careRelationshipDays,
    };
  }

  it('is checked against the answers stored now, not those read before', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const db = t.database.db;
    const deps = serviceDeps();

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

  it('saves against a stale read that the new answer does not depend on, with its audit entry, and keeps the chain whole', async () => {
    const v = await buildVisit(t);
    const patient = await admittedPatient(t, v);
    const checkinId = await sendCheckin(v, 'phq-9');
    const db = t.database.db;
    const deps = serviceDeps();
    const stale = await findCheckinForAnswering(db, checkinId, patient.participantId);
    // Item 2 lands after the read: on PostgreSQL the save's one statement then claims nothing and
    // the save goes through its transaction, which reads the answers again.
    await patient.agent.put(`/api/checkins/${checkinId}/answers/${PHQ9_ITEMS[1]}`).send({ value: PHQ_OPTION[2] }).expect(200);
    const ctx = { actor: { kind: 'patient' as const, id: patient.participantId } };
    await saveAnswer(deps, ctx, stale!.row, stale!.answering, PHQ9_ITEMS[2]!, PHQ_OPTION[3]!, stale!.facts);
    expect((await answersOf(db, [checkinId])).get(checkinId)).toEqual({ [PHQ9_ITEMS[1]]: PHQ_OPTION[2], [PHQ9_ITEMS[2]]: PHQ_OPTION[3] });

    // A fresh read: the save trusts it. Each save moved the revision on once and wrote one entry.
    const fresh = await findCheckinForAnswering(db, checkinId, patient.participantId);
    await saveAnswer(deps, ctx, fresh!.row, fresh!.answering, PHQ9_ITEMS[3]!, PHQ_OPTION[0]!, fresh!.facts);
    const after = await findCheckinForAnswering(db, checkinId, patient.participantId);
    expect(after!.row.revision).toBe(fresh!.row.revision + 1);
    expect(after!.facts.answers[PHQ9_ITEMS[3]!]).toBe(PHQ_OPTION[0]);
    const saved = await db.selectFrom('audit_log').select('participant_id').where('checkin_id', '=', checkinId).where('action', '=', 'checkin.answer_saved').execute();
    expect(saved).toHaveLength(3);
    expect(saved.every((e) => e.participant_id === patient.participantId)).toBe(true);
    const admin = await t.signedIn('admin');
    const verify = await admin.agent.get('/api/audit/verify').expect(200);
    expect(verify.body.ok).toBe(true);
  });
});
