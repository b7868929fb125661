import { createEvent, type EventAttributes } from 'ics';
import type { Kysely } from 'kysely';
import { CALENDAR_TITLE } from '@shared/api/visits.schema';
import type { Config } from '../config';
import type { DB } from '../db/schema';
import { HttpError } from '../http-error';
import type { AuditContext } from '../audit/auditor';
import type { StaffPrincipal } from '../auth/session';
import { findLinkByHash } from './patient-links.store';
import { requireReadableVisit } from './visit.policy';
import { hashToken, joinUrl, readVisitRowFor, type VisitsDeps } from './visits.service';
import type { VisitRow } from './visits.store';

/*
 * Calendar files leave the clinic (mail servers, shared calendars, lock screens), so they carry
 * a neutral title, the time and a link, and nothing else: no reason, no names, no specialty.
 */

function buildIcs(visit: VisitRow, extra: { description: string; url: string; uid: string }): string {
  const attrs: EventAttributes = {
    productId: '-//Alcove//Video visits//EN',
    uid: extra.uid,
    title: CALENDAR_TITLE,
    start: Date.parse(visit.starts_at),
    startInputType: 'utc',
    startOutputType: 'utc',
    duration: { minutes: visit.duration_minutes },
    description: extra.description,
    url: extra.url,
    location: extra.url,
    status: visit.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED',
    classification: 'PRIVATE',
    // Each save of the visit bumps the sequence, so calendars replace the old entry.
    sequence: Math.floor(Date.parse(visit.updated_at) / 1000) % 2_000_000_000,
  };
  const { error, value } = createEvent(attrs);
  if (error || !value) throw new Error('could not build the calendar file');
  return value;
}

/** The staff copy: points at the visit's staff page, never at the patient link. */
export function staffCalendar(config: Config, visit: VisitRow): string {
  const url = `${config.publicUrl}/visits/${visit.id}`;
  return buildIcs(visit, {
    uid: `${visit.id}@alcove`,
    url,
    description: `Open the visit in Alcove: ${url}`,
  });
}

/**
 * The patient's copy, with the join link. The link only exists right after it was issued, so the
 * caller hands the token back; it must be this visit's current link.
 */
export async function patientInvite(db: Kysely<DB>, config: Config, visit: VisitRow, token: string): Promise<string> {
  const link = await findLinkByHash(db, hashToken(token));
  if (!link || link.visit_id !== visit.id) throw new HttpError(404, 'not_found', 'That link does not belong to this visit');
  if (visit.status === 'cancelled') throw new HttpError(410, 'visit_cancelled', 'This visit was cancelled');
  if (link.revoked_at) throw new HttpError(410, 'link_revoked', 'That link was replaced by a newer one');
  const url = joinUrl(config, token);
  const minutes = config.join.opensMinutesBefore;
  return buildIcs(visit, {
    uid: `${visit.id}-patient@alcove`,
    url,
    description: [
      `Join your video appointment here: ${url}`,
      minutes > 0 ? `The link starts working ${minutes} minutes before the appointment.` : '',
      'You only need a web browser. Keep this link private.',
    ]
      .filter(Boolean)
      .join('\n'),
  });
}

/** The staff calendar file of a visit this staff member may see; the read is audited. */
export async function staffCalendarFor(deps: VisitsDeps, ctx: AuditContext, staff: StaffPrincipal, visitId: string): Promise<string> {
  return staffCalendar(deps.config, await readVisitRowFor(deps, ctx, staff, visitId));
}

/** The patient's invite for a visit this staff member may see; audited once the file could be built. */
export async function patientInviteFor(deps: VisitsDeps, ctx: AuditContext, staff: StaffPrincipal, visitId: string, token: string): Promise<string> {
  const visit = await requireReadableVisit(deps.db, staff, visitId);
  const ics = await patientInvite(deps.db, deps.config, visit, token);
  await deps.auditor.record(deps.db, ctx, { action: 'visit.read', targets: { visitId: visit.id, patientId: visit.patient_id } });
  return ics;
}
