import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DobLock } from '@shared/api/join.schema';
import { api } from '../../lib/api';

const lockKey = (visitId: string) => ['visit', visitId, 'patient-link-lock'] as const;

async function fetchLock(visitId: string): Promise<DobLock> {
  return (await api<{ lock: DobLock }>('GET', `/api/visits/${visitId}/patient-link/lock`)).lock;
}

const timeOf = (iso: string) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));

/**
 * Shown only while wrong dates of birth have locked the visit's link for everyone: the patient
 * cannot get in, so staff see it here and lift it in one click (the server audits who did).
 */
export function DoorLockNotice({ visitId }: { visitId: string }) {
  const qc = useQueryClient();
  // A lock is rare and lifts by itself within the hour: a slow re-check is enough.
  const lock = useQuery({ queryKey: lockKey(visitId), queryFn: () => fetchLock(visitId), refetchInterval: 30_000 });
  const unlock = useMutation({
    mutationFn: () => api<{ lock: DobLock }>('POST', `/api/visits/${visitId}/patient-link/unlock`),
    onSuccess: (r) => qc.setQueryData(lockKey(visitId), r.lock),
  });
  if (!lock.data?.locked) return null;
  return (
    <div className="alert alert-warn" role="status" data-testid="link-locked">
      <p>
        <strong>The join link is locked.</strong> Too many wrong dates of birth were tried, so nobody can open it
        {lock.data.lockedUntil ? ` until ${timeOf(lock.data.lockedUntil)}` : ''}. If the patient is trying to join, unlock it.
      </p>
      {unlock.isError && <p role="alert">Could not unlock the link. Try again.</p>}
      <button type="button" className="btn" disabled={unlock.isPending} onClick={() => unlock.mutate()}>
        Unlock the link
      </button>
    </div>
  );
}
