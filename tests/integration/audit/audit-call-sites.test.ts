import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../server/audit/audit.service';
import { describeEachDatabase, startTestApp, type TestApp } from '../../helpers/test-app';

describeEachDatabase('audit entries written by sign-in and staff admin (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  const lastAudit = () => t.database.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  const count = async () => (await t.database.db.selectFrom('audit_log').select('id').execute()).length;

  it('a successful sign-in is recorded with the staff id, request id and address', async () => {
    const staff = await t.createStaff('clinician');
    const res = await t.agent().post('/api/auth/login').send({ email: staff.email, password: staff.password }).expect(200);
    expect(await lastAudit()).toMatchObject({
      action: 'auth.sign_in',
      actor_kind: 'staff',
      actor_id: staff.id,
      outcome: 'success',
      request_id: res.headers['x-request-id'],
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
  });

  it('a failed sign-in is recorded as anonymous, with the account id when the email matched, never the email', async () => {
    const staff = await t.createStaff('scheduler');
    const agent = (await t.signedIn('clinician')).agent; // an unrelated staff session must not become the actor
    await agent.post('/api/auth/login').send({ email: staff.email, password: 'wrong password' }).expect(401);
    expect(await lastAudit()).toMatchObject({
      action: 'auth.sign_in_failed',
      actor_kind: 'anonymous',
      actor_id: null,
      staff_id: staff.id,
      outcome: 'failure',
    });

    await t.agent().post('/api/auth/login').send({ email: 'nobody-here@clinic.test', password: 'wrong password' }).expect(401);
    expect(await lastAudit()).toMatchObject({ action: 'auth.sign_in_failed', actor_kind: 'anonymous', actor_id: null, staff_id: null });

    const all = JSON.stringify(await t.database.db.selectFrom('audit_log').selectAll().execute());
    expect(all).not.toContain('nobody-here');
    expect(all).not.toContain(staff.email);
    expect(all).not.toContain('wrong password');
  });

  it('a malformed sign-in request is not a sign-in attempt and writes nothing', async () => {
    const before = await count();
    await t.agent().post('/api/auth/login').send({ email: 'a@b.test' }).expect(400);
    expect(await count()).toBe(before);
  });

  it('signing out is recorded', async () => {
    const { staff, agent } = await t.signedIn('scheduler');
    await agent.post('/api/auth/logout').expect(204);
    expect(await lastAudit()).toMatchObject({ action: 'auth.sign_out', actor_id: staff.id });
  });

  it('creating, changing and resetting a staff account are recorded with the admin as actor and the account as target, without names or emails', async () => {
    const { staff: admin, agent } = await t.signedIn('admin');
    const created = await agent
      .post('/api/staff')
      .send({ email: 'new.person@clinic.test', name: 'Dr. Unique Name', role: 'clinician' })
      .expect(201);
    const id = created.body.staff.id as string;
    const entriesFor = async () =>
      (await t.database.db.selectFrom('audit_log').selectAll().where('staff_id', '=', id).orderBy('seq').execute()).map((e) => ({
        action: e.action,
        actor_kind: e.actor_kind,
        actor_id: e.actor_id,
      }));
    const byAdmin = (action: string) => ({ action, actor_kind: 'staff', actor_id: admin.id });
    expect(await entriesFor()).toEqual([byAdmin('staff.created'), byAdmin('staff.invitation_issued')]);

    await agent.patch(`/api/staff/${id}`).send({ role: 'scheduler' }).expect(200);
    expect((await entriesFor()).at(-1)).toEqual(byAdmin('staff.role_changed'));

    await agent.post(`/api/staff/${id}/reset-password`).expect(200);
    expect((await entriesFor()).slice(-2)).toEqual([byAdmin('staff.password_reset'), byAdmin('staff.invitation_issued')]);

    const before = await count();
    await agent.patch(`/api/staff/${id}`).send({ role: 'owner' }).expect(400);
    await agent.post(`/api/staff/00000000-0000-4000-8000-000000000000/reset-password`).expect(404);
    expect(await count()).toBe(before);

    const all = JSON.stringify(await t.database.db.selectFrom('audit_log').selectAll().execute());
    expect(all).not.toContain('Unique Name');
    expect(all).not.toContain('new.person');
    expect(all).not.toContain(String(created.body.invitation.url).split('/invite/')[1]);
    expect((await verifyAuditChain(t.database.db)).ok).toBe(true);
  });
});
