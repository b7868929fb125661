import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectRouteContract } from '../../helpers/route-contracts';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';
import { buildVisit, joinAsPatient } from '../../helpers/visit-builder';

/*
 * Issue 13, item 7: visit notes. A clinician with clinical access to the visit's patient writes a short note
 * (summary, plan, for the next clinician); the patient's care team reads it; its author edits it for
 * VISIT_NOTE_EDIT_MINUTES, then only amends. Nobody else — another clinician, a scheduler, an admin, the
 * patient, no one signed in — reads or writes any of it; every read and change is audited; no note text is logged.
 */
describeEachDatabase('visit notes (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { VISIT_NOTE_EDIT_MINUTES: '60' } });
  });
  afterAll(async () => t?.close());

  /** Unique text per test, so the log check finds this test's text and nothing else's. */
  const secret = () => `note-text-${randomUUID()}`;

  const auditOf = (actorId: string) =>
    t.database.db
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'patient_id', 'visit_id'])
      .where('actor_id', '=', actorId)
      .orderBy('seq')
      .execute();

  it('the author writes a note; the care team reads it; every read and change is audited; no text in the logs', async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const [author, colleague] = v.clinicians as [(typeof v.clinicians)[0], (typeof v.clinicians)[0]];
    const summary = secret();
    const created = await author.agent
      .post(`/api/visits/${v.visitId}/notes`)
      .send({ summary, plan: 'Review in two weeks', handoff: '' })
      .expect(201);
    expectRouteContract(created, 'POST /api/visits/:id/notes');
    const note = created.body.note;
    expect(note).toMatchObject({
      visitId: v.visitId,
      patientId: v.patientId,
      author: { id: author.staff.id, name: author.staff.name },
      summary,
      plan: 'Review in two weeks',
      handoff: '',
      editable: true,
      amendable: true,
      amendments: [],
    });
    expect(Date.parse(note.editableUntil) - Date.parse(note.createdAt)).toBe(60 * 60_000);

    const read = await colleague.agent.get(`/api/visits/${v.visitId}/notes`).expect(200);
    expectRouteContract(read, 'GET /api/visits/:id/notes');
    expect(read.body.notes).toHaveLength(1);
    expect(read.body.notes[0]).toMatchObject({ id: note.id, summary, editable: false, amendable: false });

    const chart = await colleague.agent.get(`/api/patients/${v.patientId}/notes`).expect(200);
    expectRouteContract(chart, 'GET /api/patients/:id/notes');
    expect(chart.body.notes.map((n: { id: string }) => n.id)).toEqual([note.id]);

    expect(await auditOf(author.staff.id)).toEqual(
      expect.arrayContaining([{ action: 'visit_note.created', outcome: 'success', patient_id: v.patientId, visit_id: v.visitId }]),
    );
    const reads = (await auditOf(colleague.staff.id)).filter((a) => a.action === 'visit_note.read');
    expect(reads).toEqual([
      { action: 'visit_note.read', outcome: 'success', patient_id: v.patientId, visit_id: v.visitId },
      { action: 'visit_note.read', outcome: 'success', patient_id: v.patientId, visit_id: null },
    ]);
    expect(t.rawLogs()).not.toContain(summary);
  });

  it('the author edits inside the window; after it the note is append-only: 409, amendments only, nothing changed', async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const [author, colleague] = v.clinicians as [(typeof v.clinicians)[0], (typeof v.clinicians)[0]];
    const note = (await author.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'First' }).expect(201)).body.note;

    const edited = await author.agent
      .patch(`/api/visit-notes/${note.id}`)
      .send({ summary: 'First, corrected', handoff: secret() })
      .expect(200);
    expectRouteContract(edited, 'PATCH /api/visit-notes/:id');
    expect(edited.body.note).toMatchObject({ summary: 'First, corrected', plan: '' });
    // Edits keep some text: a note emptied of everything is refused.
    await author.agent.patch(`/api/visit-notes/${note.id}`).send({ summary: '', handoff: '', plan: '' }).expect(400);
    // Only the author edits or amends; a colleague on the team writes their own note.
    expect((await colleague.agent.patch(`/api/visit-notes/${note.id}`).send({ summary: 'Not mine' }).expect(403)).body.error.code).toBe(
      'forbidden',
    );
    await colleague.agent.post(`/api/visit-notes/${note.id}/amendments`).send({ text: 'Not mine' }).expect(403);

    // The window closes (the note was written longer ago than VISIT_NOTE_EDIT_MINUTES).
    const longAgo = new Date(Date.now() - 61 * 60_000).toISOString();
    await t.database.db.updateTable('visit_notes').set({ created_at: longAgo }).where('id', '=', note.id).execute();
    const late = await author.agent.patch(`/api/visit-notes/${note.id}`).send({ summary: 'Rewritten' }).expect(409);
    expect(late.body.error.code).toBe('edit_window_closed');
    expect(late.body.error.message).toMatch(/amend/i);

    const amendment = secret();
    const amended = await author.agent.post(`/api/visit-notes/${note.id}/amendments`).send({ text: amendment }).expect(201);
    expectRouteContract(amended, 'POST /api/visit-notes/:id/amendments');
    expect(amended.body.note).toMatchObject({ summary: 'First, corrected', editable: false, amendable: true });
    expect(amended.body.note.amendments).toEqual([
      { id: expect.any(String), text: amendment, author: { id: author.staff.id, name: author.staff.name }, createdAt: expect.any(String) },
    ]);
    const seen = (await colleague.agent.get(`/api/visits/${v.visitId}/notes`).expect(200)).body.notes[0];
    expect(seen.summary).toBe('First, corrected');
    expect(seen.amendments.map((a: { text: string }) => a.text)).toEqual([amendment]);

    const actions = (await auditOf(author.staff.id)).map((a) => a.action);
    expect(actions.filter((a) => a.startsWith('visit_note.'))).toEqual(['visit_note.created', 'visit_note.updated', 'visit_note.amended']);
    expect(t.rawLogs()).not.toContain(amendment);
  });

  it('nobody else reads or writes notes: another clinician, a scheduler, an admin, the patient, no one signed in', async () => {
    const v = await buildVisit(t);
    const author = v.clinicians[0]!;
    const note = (await author.agent.post(`/api/visits/${v.visitId}/notes`).send({ plan: 'Plan' }).expect(201)).body.note;
    const other = await t.signedIn('clinician');
    const admin = await t.signedIn('admin');
    const patient = await joinAsPatient(t, v.token);
    const reads = [`/api/visits/${v.visitId}/notes`, `/api/patients/${v.patientId}/notes`];
    const writes: [string, string, object][] = [
      ['post', `/api/visits/${v.visitId}/notes`, { summary: 'x' }],
      ['patch', `/api/visit-notes/${note.id}`, { summary: 'x' }],
      ['post', `/api/visit-notes/${note.id}/amendments`, { text: 'x' }],
    ];
    for (const agent of [other.agent, v.scheduler, admin.agent]) {
      for (const path of reads) await agent.get(path).expect(404);
      for (const [m, path, body] of writes)
        await (agent as unknown as Record<string, (p: string) => { send: (b: object) => Promise<{ status: number }> }>)[m]!(path)
          .send(body)
          .then((r) => expect(r.status).toBe(404));
    }
    for (const agent of [patient, t.agent()]) {
      for (const path of reads) expect([401, 403]).toContain((await agent.get(path)).status);
      for (const [m, path, body] of writes) {
        const res = await (agent as unknown as Record<string, (p: string) => { send: (b: object) => Promise<{ status: number }> }>)[m]!(
          path,
        ).send(body);
        expect([401, 403]).toContain(res.status);
      }
    }
    await t.agent().get(reads[0]!).expect(401);
    const still = await t.database.db.selectFrom('visit_notes').selectAll().where('visit_id', '=', v.visitId).execute();
    expect(still.map((n) => n.summary)).toEqual(['']);
    expect(await t.database.db.selectFrom('visit_note_amendments').select('id').where('note_id', '=', note.id).execute()).toEqual([]);
    expect((await auditOf(other.staff.id)).map((a) => a.action)).toContain('access.refused');
  });

  it('bad input is a clear 4xx and writes nothing; one note per clinician and visit; none on a cancelled visit', async () => {
    const v = await buildVisit(t);
    const c = v.clinicians[0]!;
    const count = async () =>
      (await t.database.db.selectFrom('visit_notes').select('id').where('visit_id', '=', v.visitId).execute()).length;
    for (const body of [{}, { summary: '   ' }, { summary: 'x'.repeat(4001) }, { summary: 'ok', extra: 1 }, { summary: 12 }, []]) {
      const res = await c.agent.post(`/api/visits/${v.visitId}/notes`).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await count()).toBe(0);
    for (const bad of ['not-a-uuid', randomUUID()]) {
      await c.agent.get(`/api/visits/${bad}/notes`).expect(404);
      await c.agent.post(`/api/visits/${bad}/notes`).send({ summary: 'x' }).expect(404);
      await c.agent.patch(`/api/visit-notes/${bad}`).send({ summary: 'x' }).expect(404);
      await c.agent.post(`/api/visit-notes/${bad}/amendments`).send({ text: 'x' }).expect(404);
      await c.agent.get(`/api/patients/${bad}/notes`).expect(404);
    }
    const note = (await c.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'Once' }).expect(201)).body.note;
    expect((await c.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'Twice' }).expect(409)).body.error.code).toBe(
      'already_exists',
    );
    for (const body of [{}, { text: '' }, { text: 'x'.repeat(4001) }, { text: 'ok', author: 'me' }]) {
      await c.agent.post(`/api/visit-notes/${note.id}/amendments`).send(body).expect(400);
    }
    await c.agent.patch(`/api/visit-notes/${note.id}`).send({}).expect(400);
    await c.agent
      .patch(`/api/visit-notes/${note.id}`)
      .send({ summary: 'x'.repeat(4001) })
      .expect(400);
    expect(await count()).toBe(1);

    const cancelled = await buildVisit(t);
    await cancelled.scheduler.post(`/api/visits/${cancelled.visitId}/cancel`).expect(200);
    // Its clinician keeps no relationship through a cancelled visit: the visit is not theirs to note.
    const res = await cancelled.clinicians[0]!.agent.post(`/api/visits/${cancelled.visitId}/notes`).send({ summary: 'x' });
    expect([404, 409]).toContain(res.status);
  });

  it("a clinician on the patient's care team (not on the visit) reads the notes and writes their own; taken off the team, nothing", async () => {
    const v = await buildVisit(t);
    await v.clinicians[0]!.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'By the visit clinician' }).expect(201);
    const nurse = await t.signedIn('clinician');
    await v.scheduler
      .put(`/api/patients/${v.patientId}/care-team`)
      .send({
        members: [
          { staffId: v.clinicians[0]!.staff.id, role: 'psychiatry', isCoordinator: true },
          { staffId: nurse.staff.id, role: 'nursing', isCoordinator: false },
        ],
      })
      .expect(200);
    expect((await nurse.agent.get(`/api/patients/${v.patientId}/notes`).expect(200)).body.notes).toHaveLength(1);
    await nurse.agent.post(`/api/visits/${v.visitId}/notes`).send({ handoff: 'Nursing follow-up booked' }).expect(201);
    await v.scheduler
      .put(`/api/patients/${v.patientId}/care-team`)
      .send({ members: [{ staffId: v.clinicians[0]!.staff.id, role: 'psychiatry', isCoordinator: true }] })
      .expect(200);
    await nurse.agent.get(`/api/visits/${v.visitId}/notes`).expect(404);
    await nurse.agent.get(`/api/patients/${v.patientId}/notes`).expect(404);
  });

  it("the chart lists every note of the patient, newest visit first, with the visit's date and the author", async () => {
    const v = await buildVisit(t, { clinicians: 2 });
    const [first, second] = v.clinicians as [(typeof v.clinicians)[0], (typeof v.clinicians)[0]];
    const later = await v.scheduler
      .post('/api/visits')
      .send({
        patientId: v.patientId,
        clinicianIds: [second.staff.id],
        startsAt: new Date(Date.now() + 86400_000).toISOString(),
        durationMinutes: 30,
      })
      .expect(201);
    await first.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'Visit one, first' }).expect(201);
    await second.agent.post(`/api/visits/${v.visitId}/notes`).send({ summary: 'Visit one, second' }).expect(201);
    await second.agent.post(`/api/visits/${later.body.visit.id}/notes`).send({ handoff: 'Visit two' }).expect(201);
    const notes = (await first.agent.get(`/api/patients/${v.patientId}/notes`).expect(200)).body.notes;
    expect(notes.map((n: { summary: string; handoff: string }) => n.summary || n.handoff)).toEqual([
      'Visit two',
      'Visit one, second',
      'Visit one, first',
    ]);
    expect(notes[0]).toMatchObject({
      visitId: later.body.visit.id,
      visitStartsAt: later.body.visit.startsAt,
      author: { name: second.staff.name },
    });
  });
});
