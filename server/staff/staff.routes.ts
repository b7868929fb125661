import { Router } from 'express';
import { CreateStaffRequestSchema, UpdateStaffRequestSchema } from '@shared/api/staff.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import { HttpError, notFound } from '../http-error';
import { parseId } from '../id';
import { requireNoBody } from '../middleware/require-no-body';
import { resetSecondFactor } from '../auth/totp.service';
import { inviteStaffMember, resetStaffPassword, updateStaffAccount, type StaffDeps } from './staff.service';
import { listStaffMembers, toStaffMember, type StaffMemberFacts } from './staff.presenter';

/** Staff accounts: admin only. Invitation and reset links are shown once, in the response that issues them. */
export function staffRoutes(deps: StaffDeps): Router {
  const { db } = deps;
  const r = Router();

  r.get('/', async (_req, res) => {
    requireStaff(res, 'admin');
    res.json({ staff: await listStaffMembers(db) });
  });

  r.post('/', async (req, res) => {
    requireStaff(res, 'admin');
    const body = CreateStaffRequestSchema.parse(req.body);
    const { staff, invitation } = await inviteStaffMember(deps, auditFrom(req, res), body);
    const facts: StaffMemberFacts = { invitationExpiresAt: invitation.expiresAt, twoFactorEnabled: false };
    res.status(201).json({ staff: toStaffMember(staff, facts), invitation });
  });

  r.patch('/:id', async (req, res) => {
    const admin = requireStaff(res, 'admin');
    const id = parseId(req.params.id);
    const body = UpdateStaffRequestSchema.parse(req.body);
    if (id === admin.id && (body.active === false || (body.role && body.role !== 'admin'))) {
      throw new HttpError(409, 'conflict', 'You cannot deactivate or demote your own account');
    }
    const staff = await updateStaffAccount(deps, auditFrom(req, res), id, body);
    if (!staff) throw notFound();
    res.json({ staff: (await listStaffMembers(db, staff.id))[0] });
  });

  r.post('/:id/reset-password', async (req, res) => {
    const admin = requireStaff(res, 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    // One's own password is changed with the current one, never reset into a link one would hold oneself.
    if (id === admin.id) throw new HttpError(409, 'conflict', 'Change your own password from your account page');
    const result = await resetStaffPassword(deps, auditFrom(req, res), id);
    if (!result) throw notFound();
    const staff = (await listStaffMembers(db, id))[0];
    res.json({ staff, invitation: result.invitation });
  });

  /** Removes someone's authenticator app and recovery codes (lost phone): audited, signed out everywhere. */
  r.post('/:id/reset-2fa', async (req, res) => {
    const admin = requireStaff(res, 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    // One's own second factor is not removed without a code: another administrator (or the CLI) does it.
    if (id === admin.id) throw new HttpError(409, 'conflict', 'Another administrator must reset your two-step sign-in');
    if (!(await resetSecondFactor(deps, auditFrom(req, res), id))) throw notFound();
    await deps.signOut.revokeAllForStaff(id);
    res.json({ staff: (await listStaffMembers(db, id))[0] });
  });

  return r;
}
