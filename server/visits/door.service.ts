import type { Kysely } from 'kysely';
import type { DobLock } from '@shared/api/join.schema';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { DB } from '../db/schema';
import { dobLockOf, recentDobFailures } from './join.service';
import { clearDobFailures, findLatestLink } from './patient-links.store';
import type { VisitRow } from './visits.store';

/** Whether wrong dates of birth have locked the visit's newest link for everyone. */
export async function readDobLock(db: Kysely<DB>, visitId: string): Promise<DobLock> {
  const link = await findLatestLink(db, visitId);
  if (!link) return { locked: false, lockedUntil: null, failures: 0 };
  const now = new Date();
  return dobLockOf(await recentDobFailures(db, link.id, now), now);
}

/** Staff lift the lock: the link's wrong tries are forgotten, recorded with who did it. */
export async function unlockDob(deps: { auditor: Auditor }, ctx: AuditContext, visit: VisitRow): Promise<DobLock> {
  return deps.auditor.transaction(async (trx) => {
    const link = await findLatestLink(trx, visit.id);
    if (link) {
      await clearDobFailures(trx, link.id);
      await deps.auditor.record(trx, ctx, {
        action: 'dob.unlocked',
        targets: { visitId: visit.id, patientId: visit.patient_id, linkId: link.id },
      });
    }
    return { locked: false, lockedUntil: null, failures: 0 };
  });
}
