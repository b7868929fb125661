import { Router } from 'express';
import { CreateStaffRequestSchema, UpdateStaffRequestSchema } from '@shared/api/staff.schema';
import { auditFrom } from '../audit/auditor';
import { requireStaff } from '../auth/auth.middleware';
import type { StaffRow } from '../auth/staff.store';
import { HttpError, notFound } from '../http-error';
import { parseId } from '../id';
import { addStaffMember, resetStaffPassword, updateStaffAccount, type StaffDeps } from './staff.service';
import { listStaff } from '../auth/staff.store';
import { requireNoBody } from '../middleware/require-no-body';

export const toStaffMember = (row: StaffRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  active: row.active === 1,
  createdAt: row.created_at,
});

/** Staff accounts: admin only. Passwords are shown once, in the response that creates or resets them. */
export function staffRoutes(deps: StaffDeps): Router {
  const { db } = deps;
  const r = Router();

  r.get('/', async (_req, res) => {
    requireStaff(res, 'admin');
    res.json({ staff: (await listStaff(db)).map(toStaffMember) });
  });

  r.post('/', async (req, res) => {
    requireStaff(res, 'admin');
    const body = CreateStaffRequestSchema.parse(req.body);
    const { staff, password } = await addStaffMember(deps, auditFrom(req, res), body);
    res.status(201).json({ staff: toStaffMember(staff), password });
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
    res.json({ staff: toStaffMember(staff) });
  });

  r.post('/:id/reset-password', async (req, res) => {
    requireStaff(res, 'admin');
    const id = parseId(req.params.id);
    requireNoBody(req.body);
    const result = await resetStaffPassword(deps, auditFrom(req, res), id);
    if (!result) throw notFound();
    res.json({ staff: toStaffMember(result.staff), password: result.password });
  });

  return r;
}
