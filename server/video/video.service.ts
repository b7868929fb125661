import type { Kysely } from 'kysely';
import type { AuditContext, Auditor } from '../audit/auditor';
import type { PatientPrincipal, StaffPrincipal } from '../auth/session';
import type { DB } from '../db/schema';
import type { LivekitProbe } from '../health/livekit-probe';
import { HttpError, notFound } from '../http-error';
import { findOrCreateClinicianParticipant } from '../visits/participants.store';
import type { VisitBroadcast } from '../visits/visit-broadcast';
import { allowsPatientVideo, isOpen, requireOpenVisit, startVisit } from '../visits/visit-lifecycle';
import type { VideoRole, VideoService } from './livekit';

export interface VideoDeps {
  db: Kysely<DB>;
  auditor: Auditor;
  video: VideoService;
  broadcast: VisitBroadcast;
  livekitReachable: LivekitProbe;
}

/**
 * Who asks for a token: a patient already authorized for the visit by visit.policy, or a clinician
 * whose place on the visit's care team is read with the token's facts (404 when not on it).
 */
export type TokenCaller = { kind: 'clinician'; staff: StaffPrincipal } | { kind: 'patient'; patient: PatientPrincipal };

/** A minted join token and the visit facts the response carries. */
export interface IssuedToken {
  token: string;
  identity: string;
  roomName: string;
  e2eeKey: string;
}

const unavailable = () =>
  new HttpError(503, 'video_unavailable', 'The video service cannot be reached right now', undefined, { 'Retry-After': '5' });
const notAdmitted = () => new HttpError(403, 'not_admitted', 'Your clinician has not let you in yet');

/**
 * Issues a LiveKit join token: the only way into a visit's room. A clinician's first token makes
 * them a participant and starts the visit; a patient gets one only while admitted. The token is
 * minted inside the transaction and audited last, so no token leaves without its audit entry.
 */
export async function issueToken(deps: VideoDeps, ctx: AuditContext, caller: TokenCaller, visitId: string): Promise<IssuedToken> {
  return caller.kind === 'clinician' ? clinicianToken(deps, ctx, caller.staff, visitId) : patientToken(deps, ctx, caller.patient, visitId);
}

/**
 * Everything a clinician's token needs in one round trip: the visit, whether the caller is on its
 * care team (requireVisitClinician's check), the size of that team (the room's size) and the
 * caller's participant row, if they have joined before.
 */
function clinicianTokenFacts(db: Kysely<DB>, visitId: string, staffId: string) {
  return db
    .selectFrom('visits')
    .leftJoin('participants', (j) => j.onRef('participants.visit_id', '=', 'visits.id').on('participants.staff_id', '=', staffId))
    .select(['visits.status', 'visits.room_name', 'visits.e2ee_key', 'visits.patient_id', 'participants.id as participant_id'])
    .select((eb) => [
      eb
        .selectFrom('visit_clinicians')
        .select(eb.fn.countAll().as('n'))
        .whereRef('visit_clinicians.visit_id', '=', 'visits.id')
        .as('clinician_count'),
      eb
        .exists(eb.selectFrom('visit_clinicians').select('visit_clinicians.staff_id').whereRef('visit_clinicians.visit_id', '=', 'visits.id').where('visit_clinicians.staff_id', '=', staffId))
        .as('on_care_team'),
    ])
    .where('visits.id', '=', visitId)
    .executeTakeFirst();
}

async function clinicianToken(deps: VideoDeps, ctx: AuditContext, staff: StaffPrincipal, visitId: string): Promise<IssuedToken> {
  const facts = await clinicianTokenFacts(deps.db, visitId, staff.id);
  // Not on the care team: the visit is not theirs, and nothing about it (not even whether video is up) is told.
  if (!facts || !Number(facts.on_care_team)) throw notFound();
  if (isOpen(facts.status) && !(await deps.livekitReachable())) {
    // Checked before anything changes: an unreachable video service must not mark the visit started.
    throw unavailable();
  }
  const clinicians = Number(facts.clinician_count ?? 0);
  if (facts.status === 'in_progress' && facts.participant_id) {
    // A clinician coming back to a running visit changes nothing: mint, then audit (as a patient's
    // token). A visit ended or cancelled since the read above is no worse than one a moment later.
    const issued = await mint(deps, facts, facts.participant_id, staff.name, 'clinician', clinicians);
    await deps.auditor.record(deps.db, ctx, {
      action: 'video.token_issued',
      targets: { visitId, participantId: facts.participant_id, patientId: facts.patient_id },
    });
    return issued;
  }
  const { issued, started, joined } = await deps.auditor.transaction(async (trx) => {
    // Starting the visit is the guarded update that also locks it; only when it was already
    // running (or just changed) is the plain lock needed.
    const started = facts.status !== 'in_progress' && (await startVisit(trx, visitId, new Date().toISOString()));
    const visit = started ? facts : await requireOpenVisit(trx, visitId);
    const participantId = facts.participant_id ?? (await findOrCreateClinicianParticipant(trx, visitId, staff.id)).id;
    const issued = await mint(deps, visit, participantId, staff.name, 'clinician', clinicians);
    await deps.auditor.record(trx, ctx, { action: 'video.token_issued', targets: { visitId, participantId, patientId: visit.patient_id } });
    return { issued, started, joined: !facts.participant_id };
  });
  if (started) await deps.broadcast.status(visitId, 'in_progress');
  if (joined) await deps.broadcast.participantsChanged(visitId);
  return issued;
}

/**
 * Everything a patient's token needs in one round trip: the visit, its patient's names, the
 * caller's participant state (null when the participant is not of this visit) and the number of
 * clinicians on the visit (the room's size). Kept beside its one caller, the hot path it serves.
 */
function patientTokenFacts(db: Kysely<DB>, visitId: string, participantId: string) {
  return db
    .selectFrom('visits')
    .innerJoin('patients', 'patients.id', 'visits.patient_id')
    .leftJoin('participants', (j) => j.onRef('participants.visit_id', '=', 'visits.id').on('participants.id', '=', participantId))
    .select([
      'visits.status',
      'visits.room_name',
      'visits.e2ee_key',
      'visits.patient_id',
      'patients.preferred_name',
      'patients.display_name',
    ])
    .select('participants.state as participant_state')
    .select((eb) =>
      eb
        .selectFrom('visit_clinicians')
        .select(eb.fn.countAll().as('n'))
        .whereRef('visit_clinicians.visit_id', '=', 'visits.id')
        .as('clinician_count'),
    )
    .where('visits.id', '=', visitId)
    .executeTakeFirst();
}

async function patientToken(deps: VideoDeps, ctx: AuditContext, patient: PatientPrincipal, visitId: string): Promise<IssuedToken> {
  const facts = await patientTokenFacts(deps.db, visitId, patient.participantId);
  // CAUTION: admission is checked here on every token; removal and "send back" take effect at once.
  if (!facts || !allowsPatientVideo(facts.status) || facts.participant_state !== 'admitted') throw notAdmitted();
  if (!(await deps.livekitReachable())) throw unavailable();
  const identity = patient.participantId;
  const issued = await mint(
    deps,
    facts,
    identity,
    facts.preferred_name ?? facts.display_name,
    'patient',
    Number(facts.clinician_count ?? 0),
  );
  await deps.auditor.record(deps.db, ctx, {
    action: 'video.token_issued',
    targets: { visitId, participantId: identity, patientId: facts.patient_id },
  });
  return issued;
}

async function mint(
  deps: VideoDeps,
  visit: { room_name: string; e2ee_key: string },
  identity: string,
  displayName: string,
  role: VideoRole,
  clinicians: number,
): Promise<IssuedToken> {
  const token = await deps.video.mintToken({ roomName: visit.room_name, identity, displayName, role, maxParticipants: clinicians + 1 });
  return { token, identity, roomName: visit.room_name, e2eeKey: visit.e2ee_key };
}
