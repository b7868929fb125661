import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type TestAgent from 'supertest/lib/agent';
import { describeEachDatabase, startTestApp, type TestApp, type TestStaff } from '../../helpers/test-app';
import { buildPatient, buildVisit, SCHEDULING_ENV } from '../visits/scheduling-fixtures';

type Who = { staff: TestStaff; agent: TestAgent };

describeEachDatabase('patient care team (%s)', (dialect) => {
  let t: TestApp;
  let scheduler: Who;
  let admin: Who;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: SCHEDULING_ENV });
    scheduler = await t.signedIn('scheduler');
    admin = await t.signedIn('admin');
  });
  afterAll(async () => t?.close());

  const teamRows = (patientId: string) =>
    t.database.db.selectFrom('patient_care_team').selectAll().where('patient_id', '=', patientId).orderBy('staff_id').execute();
  const audit = (patientId: string, action: string) =>
    t.database.db.selectFrom('audit_log').selectAll().where('patient_id', '=', patientId).where('action', '=', action).orderBy('seq').execute();

  describe('reading and replacing the team', () => {
    it('a scheduler sets the team (roles, one coordinator) and reads it back, coordinator first; each change is audited by clinician', async () => {
      const p = await buildPatient(scheduler.agent);
      const a = await t.signedIn('clinician');
      const b = await t.signedIn('clinician');
      const put = await scheduler.agent
        .put(`/api/patients/${p.id}/care-team`)
        .send({
          members: [
            { staffId: a.staff.id, role: 'sex_therapy', isCoordinator: false },
            { staffId: b.staff.id.toUpperCase(), role: 'psychiatry', isCoordinator: true },
          ],
        })
        .expect(200);
      expect(put.body).toEqual({
        patientId: p.id,
        members: [
          { staffId: b.staff.id, name: b.staff.name, role: 'psychiatry', isCoordinator: true, active: true, addedAt: expect.any(String) },
          { staffId: a.staff.id, name: a.staff.name, role: 'sex_therapy', isCoordinator: false, active: true, addedAt: expect.any(String) },
        ],
      });
      const got = await scheduler.agent.get(`/api/patients/${p.id}/care-team`).expect(200);
      expect(got.body).toEqual(put.body);
      const changes = await audit(p.id, 'care_team.updated');
      expect(new Set(changes.map((e) => e.staff_id))).toEqual(new Set([a.staff.id, b.staff.id]));
      expect(changes.every((e) => e.actor_id === scheduler.staff.id)).toBe(true);
      expect((await audit(p.id, 'care_team.read')).map((e) => e.actor_id)).toEqual([scheduler.staff.id]);

      // Changing one role audits that clinician only; the other keeps when they joined.
      const again = await admin.agent
        .put(`/api/patients/${p.id}/care-team`)
        .send({
          members: [
            { staffId: a.staff.id, role: 'psychology', isCoordinator: false },
            { staffId: b.staff.id, role: 'psychiatry', isCoordinator: true },
          ],
        })
        .expect(200);
      expect(again.body.members[0].addedAt).toBe(put.body.members[0].addedAt);
      const byAdmin = (await audit(p.id, 'care_team.updated')).filter((e) => e.actor_id === admin.staff.id);
      expect(byAdmin.map((e) => e.staff_id)).toEqual([a.staff.id]);
    });

    it('a clinician with clinical access edits the team; one on the team too; one with neither gets 404 and changes nothing', async () => {
      const viaVisit = await t.signedIn('clinician');
      const onTeam = await t.signedIn('clinician');
      const stranger = await t.signedIn('clinician');
      const v = await buildVisit(scheduler.agent, { clinicianIds: [viaVisit.staff.id], startsInMinutes: 60 });
      await viaVisit.agent
        .put(`/api/patients/${v.patientId}/care-team`)
        .send({ members: [{ staffId: onTeam.staff.id, role: 'nursing', isCoordinator: true }] })
        .expect(200);
      await onTeam.agent.get(`/api/patients/${v.patientId}/care-team`).expect(200);
      await onTeam.agent
        .put(`/api/patients/${v.patientId}/care-team`)
        .send({
          members: [
            { staffId: onTeam.staff.id, role: 'nursing', isCoordinator: false },
            { staffId: viaVisit.staff.id, role: 'primary_care', isCoordinator: true },
          ],
        })
        .expect(200);
      const before = await teamRows(v.patientId);
      const read = await stranger.agent.get(`/api/patients/${v.patientId}/care-team`);
      expect(read.status).toBe(404);
      expect(read.body.error.code).toBe('not_found');
      const write = await stranger.agent
        .put(`/api/patients/${v.patientId}/care-team`)
        .send({ members: [{ staffId: stranger.staff.id, role: 'other', isCoordinator: true }] });
      expect(write.status).toBe(404);
      expect(await teamRows(v.patientId)).toEqual(before);
    });

    it('nobody signed in gets 401; unknown and malformed patient ids 404', async () => {
      const p = await buildPatient(scheduler.agent);
      expect((await t.agent().get(`/api/patients/${p.id}/care-team`)).status).toBe(401);
      expect((await t.agent().put(`/api/patients/${p.id}/care-team`).send({ members: [] })).status).toBe(401);
      const unknown = '7d7b2a53-0000-4000-8000-000000000000';
      expect((await scheduler.agent.get(`/api/patients/${unknown}/care-team`)).status).toBe(404);
      expect((await scheduler.agent.put(`/api/patients/${unknown}/care-team`).send({ members: [] })).status).toBe(404);
      expect((await scheduler.agent.get('/api/patients/not-an-id/care-team')).status).toBe(404);
      expect(await t.database.db.selectFrom('patient_care_team').selectAll().where('patient_id', '=', unknown).execute()).toEqual([]);
    });

    it('bad input answers 400 and writes nothing: two coordinators, a repeated clinician, an unknown role, not an active clinician, wrong shapes', async () => {
      const p = await buildPatient(scheduler.agent);
      const a = await t.signedIn('clinician');
      const b = await t.signedIn('clinician');
      const gone = await t.signedIn('clinician');
      await t.database.db.updateTable('staff').set({ active: 0 }).where('id', '=', gone.staff.id).execute();
      await scheduler.agent
        .put(`/api/patients/${p.id}/care-team`)
        .send({ members: [{ staffId: a.staff.id, role: 'psychiatry', isCoordinator: true }] })
        .expect(200);
      const before = await teamRows(p.id);
      const auditBefore = (await audit(p.id, 'care_team.updated')).length;
      const m = (staffId: string, role = 'psychiatry', isCoordinator = false) => ({ staffId, role, isCoordinator });
      const bodies: unknown[] = [
        { members: [m(a.staff.id, 'psychiatry', true), m(b.staff.id, 'nursing', true)] },
        { members: [m(a.staff.id), m(a.staff.id.toUpperCase())] },
        { members: [m(a.staff.id, 'astrology')] },
        { members: [m(scheduler.staff.id)] },
        { members: [m(gone.staff.id)] },
        { members: [m('7d7b2a53-0000-4000-8000-000000000001')] },
        { members: [m('not-an-id')] },
        { members: [{ staffId: a.staff.id, role: 'psychiatry' }] },
        { members: [{ ...m(a.staff.id), extra: 1 }] },
        { members: 'everyone' },
        {},
        { members: [], more: true },
        { members: Array.from({ length: 13 }, (_, i) => m(`7d7b2a53-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`)) },
      ];
      for (const body of bodies) {
        const res = await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send(body as object);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
      }
      expect(await teamRows(p.id)).toEqual(before);
      expect((await audit(p.id, 'care_team.updated')).length).toBe(auditBefore);
    });

    it('replacements racing on one patient all answer, one after the other; the database keeps one coordinator whatever writes', async () => {
      const p = await buildPatient(scheduler.agent);
      const cs = [await t.signedIn('clinician'), await t.signedIn('clinician'), await t.signedIn('clinician')];
      const teams = cs.map((c, i) => ({ members: cs.map((x) => ({ staffId: x.staff.id, role: 'other', isCoordinator: x === cs[i] })) }));
      const answers = await Promise.all([...teams, ...teams].map((body) => scheduler.agent.put(`/api/patients/${p.id}/care-team`).send(body)));
      expect(answers.map((r) => r.status)).toEqual(Array(6).fill(200));
      const rows = await teamRows(p.id);
      expect(rows).toHaveLength(3);
      expect(rows.filter((r) => r.is_coordinator === 1)).toHaveLength(1);
      // A second coordinator written past the API is refused by the table itself.
      const plain = rows.find((r) => r.is_coordinator === 0)!;
      await expect(
        t.database.db.updateTable('patient_care_team').set({ is_coordinator: 1 }).where('patient_id', '=', p.id).where('staff_id', '=', plain.staff_id).execute(),
      ).rejects.toThrow();
    });

    it('an empty list clears the team', async () => {
      const p = await buildPatient(scheduler.agent);
      const a = await t.signedIn('clinician');
      await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [{ staffId: a.staff.id, role: 'other', isCoordinator: false }] }).expect(200);
      const cleared = await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [] }).expect(200);
      expect(cleared.body.members).toEqual([]);
      expect(await teamRows(p.id)).toEqual([]);
    });
  });

  describe('clinical access follows the team', () => {
    it('a clinician on the team (and no visit) reads the history and chart; taken off, they get 404 at once, audited', async () => {
      const p = await buildPatient(scheduler.agent);
      const c = await t.signedIn('clinician');
      expect((await c.agent.get(`/api/patients/${p.id}/checkins`)).status).toBe(404);
      expect((await c.agent.get(`/api/patients/${p.id}/chart`)).status).toBe(404);
      await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [{ staffId: c.staff.id, role: 'psychology', isCoordinator: true }] }).expect(200);
      await c.agent.get(`/api/patients/${p.id}/checkins`).expect(200);
      await c.agent.get(`/api/patients/${p.id}/chart`).expect(200);
      await c.agent.get(`/api/patients/${p.id}`).expect(200);

      await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [] }).expect(200);
      expect((await c.agent.get(`/api/patients/${p.id}/checkins`)).status).toBe(404);
      expect((await c.agent.get(`/api/patients/${p.id}/chart`)).status).toBe(404);
      expect((await c.agent.get(`/api/patients/${p.id}/care-team`)).status).toBe(404);
      expect((await c.agent.get(`/api/patients/${p.id}`)).status).toBe(404);
      const removal = (await audit(p.id, 'care_team.updated')).at(-1);
      expect(removal).toMatchObject({ staff_id: c.staff.id, actor_id: scheduler.staff.id });
    });

    it('a clinician who takes themselves off the team loses access with the same request', async () => {
      const p = await buildPatient(scheduler.agent);
      const c = await t.signedIn('clinician');
      await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [{ staffId: c.staff.id, role: 'nursing', isCoordinator: false }] }).expect(200);
      await c.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [] }).expect(200);
      expect((await c.agent.get(`/api/patients/${p.id}/chart`)).status).toBe(404);
    });

    it('a member who is no longer an active clinician cannot be saved onto the team again', async () => {
      const p = await buildPatient(scheduler.agent);
      const c = await t.signedIn('clinician');
      await scheduler.agent.put(`/api/patients/${p.id}/care-team`).send({ members: [{ staffId: c.staff.id, role: 'nursing', isCoordinator: false }] }).expect(200);
      await t.database.db.updateTable('staff').set({ role: 'scheduler' }).where('id', '=', c.staff.id).execute();
      // The team still lists them, marked as no longer active, so the editor can say why it drops them.
      const listed = await scheduler.agent.get(`/api/patients/${p.id}/care-team`).expect(200);
      expect(listed.body.members).toEqual([expect.objectContaining({ staffId: c.staff.id, active: false })]);
      const other = await t.signedIn('clinician');
      const res = await scheduler.agent
        .put(`/api/patients/${p.id}/care-team`)
        .send({
          members: [
            { staffId: c.staff.id, role: 'nursing', isCoordinator: false },
            { staffId: other.staff.id, role: 'nursing', isCoordinator: false },
          ],
        });
      expect(res.status).toBe(400);
    });
  });
});
