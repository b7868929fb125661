import { VISIT_STATUS_LABELS, type VisitStatus } from '@shared/api/visits.schema';

const BADGE_CLASS: Record<VisitStatus, string> = {
  scheduled: 'badge',
  in_progress: 'badge badge-live',
  completed: 'badge',
  cancelled: 'badge badge-danger',
  no_show: 'badge badge-warn',
};

/** A visit's status as a badge: the label is the signal, the colour only repeats it. */
export function VisitStatusBadge({ status }: { status: VisitStatus }) {
  return <span className={BADGE_CLASS[status]}>{VISIT_STATUS_LABELS[status]}</span>;
}
