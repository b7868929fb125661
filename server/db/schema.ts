import type { ParticipantKind, ParticipantState, VisitStatus } from '@shared/api/visits.schema';

export type { ParticipantKind, ParticipantState, VisitStatus };

/*
 * Table types for Kysely. Conventions that keep SQL portable between SQLite and PostgreSQL:
 * ids are text UUIDs, times are ISO-8601 UTC text (sortable as strings), booleans are integers 0/1,
 * JSON is text.
 */

export interface StaffTable {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'scheduler' | 'clinician';
  password_hash: string;
  active: number;
  created_at: string;
  updated_at: string;
  /** 1 when the password was set by someone else (CLI, first start): it must be changed at the next sign-in. */
  must_change_password: number;
  last_sign_in_at: string | null;
}

export interface StaffInvitationTable {
  id: string;
  /** Null only for the first-start setup link, which creates the first administrator. */
  staff_id: string | null;
  purpose: 'invite' | 'reset' | 'setup';
  /** SHA-256 of the link's token; the token itself is shown once and never stored. */
  token_hash: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  revoked_at: string | null;
}

/** A device or address an account signed in from (a keyed hash, never the raw value). */
export interface StaffSignInSourceTable {
  staff_id: string;
  source_hash: string;
  last_seen_at: string;
}

export interface SessionTable {
  id: string;
  kind: 'staff' | 'patient';
  staff_id: string | null;
  participant_id: string | null;
  visit_id: string | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}


export interface PatientTable {
  id: string;
  display_name: string;
  preferred_name: string | null;
  pronouns: string | null;
  preferred_language: 'en' | 'es';
  /** YYYY-MM-DD */
  date_of_birth: string | null;
  external_id: string | null;
  /** Lower-cased, accent-stripped display + preferred name, for search. */
  search_name: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface VisitTable {
  id: string;
  patient_id: string;
  starts_at: string;
  duration_minutes: number;
  /** Staff-only; never shown to the patient, put in an invite or sent to LiveKit. */
  reason: string | null;
  status: VisitStatus;
  /** Random and unguessable; the only name LiveKit ever sees. */
  room_name: string;
  /** Per-visit E2EE key (base64url). Handed only to admitted participants; never logged. */
  e2ee_key: string;
  /** The one-way "running late" message shown in the waiting room. */
  waiting_message: string | null;
  started_at: string | null;
  ended_at: string | null;
  cancelled_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface VisitClinicianTable {
  visit_id: string;
  staff_id: string;
}

export interface PatientLinkTable {
  id: string;
  visit_id: string;
  /** SHA-256 (hex) of the link token; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface DobFailureTable {
  id: string;
  link_id: string;
  at: string;
  /** The address the wrong guess came from (null for rows older than migration 008). */
  address: string | null;
}

export interface ParticipantTable {
  id: string;
  visit_id: string;
  kind: ParticipantKind;
  staff_id: string | null;
  state: ParticipantState;
  consent_version: string | null;
  consented_at: string | null;
  waiting_since: string | null;
  admitted_at: string | null;
  admitted_by: string | null;
  /** When the participant's last socket went away; null while connected (or never seen). */
  disconnected_at: string | null;
  /** Patients: the link this device came through (a reissued link starts a fresh participant). Null for clinicians. */
  link_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConsentTable {
  id: string;
  visit_id: string;
  participant_id: string;
  version: string;
  accepted_at: string;
}

export interface AttendanceTable {
  id: string;
  visit_id: string;
  participant_id: string;
  /** LiveKit's participant session id: one row per connection. */
  livekit_sid: string;
  joined_at: string;
  left_at: string | null;
}

export interface WebhookEventTable {
  /** LiveKit's event id; a second delivery of the same id is ignored. */
  id: string;
  event: string;
  created_at: string;
  received_at: string;
}

export interface AuditLogTable {
  id: string;
  /** The trail's global order (listing, cursor); before migration 013 also the position in the one chain. */
  seq: number;
  at: string;
  actor_kind: 'staff' | 'patient' | 'system' | 'anonymous';
  /** Staff id or patient participant id; never a name. */
  actor_id: string | null;
  action: string;
  outcome: 'success' | 'failure';
  patient_id: string | null;
  visit_id: string | null;
  staff_id: string | null;
  participant_id: string | null;
  checkin_id: string | null;
  link_id: string | null;
  request_id: string | null;
  ip: string | null;
  /** Hash of the entry before (64 zeros for the first). */
  prev_hash: string;
  /** SHA-256 over this entry's canonical content and prev_hash. */
  hash: string;
  /** Which hash chain the entry belongs to (migration 013); 0 for every entry written before. */
  chain: number;
  /** 1-based, gapless position in its chain; NULL on entries written before migration 013 (their position is `seq`). */
  chain_seq: number | null;
}

/** PostgreSQL only (migration 018): where each audit chain ends; an append moves it on in the same statement. */
export interface AuditChainHeadTable {
  chain: number;
  /** Position of the chain's last entry (0 before its first). */
  chain_seq: number;
  /** That entry's hash; NULL before the first (the chain then links to its genesis). */
  hash: string | null;
  /** The hash of the entry before it. */
  prev_hash: string | null;
}

export type CheckinStatus = 'sent' | 'in_progress' | 'shared';

export interface CheckinTable {
  id: string;
  visit_id: string;
  patient_id: string;
  instrument_id: string;
  instrument_version: string;
  status: CheckinStatus;
  sent_by: string;
  sent_at: string;
  shared_at: string | null;
  /** JSON: the server-computed result at sharing (total, band, flags…); null before. */
  result: string | null;
  updated_at: string;
  /** Counts changes to the answers (migration 019): an answer save claims the next one. */
  revision: number;
}

export interface CheckinAnswerTable {
  checkin_id: string;
  link_id: string;
  /** JSON: an option code, an array of option codes, text, or "asked-declined". Never logged. */
  value: string;
  answered_at: string;
  /** The patient participant (device) who gave the answer: unshared answers are theirs alone. */
  participant_id: string | null;
}

export interface SafetyAlertTable {
  id: string;
  checkin_id: string;
  visit_id: string;
  /** The instrument's clinician flag code, e.g. safety.self-harm. */
  code: string;
  raised_at: string;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  /** When the live push went out; null while it is still owed (the sweeper re-pushes those). */
  pushed_at: string | null;
}

/** A staff member's TOTP secret; `confirmed_at` null while enrolment is unfinished. */
export interface StaffTotpTable {
  staff_id: string;
  /** Base32 shared secret. CAUTION: readable by whoever reads the database (a code still needs the password too). */
  secret: string;
  confirmed_at: string | null;
  /** The 30-second step of the last accepted code; a code of this step or earlier is refused (no replay). */
  last_used_step: number | null;
  created_at: string;
}

export interface StaffRecoveryCodeTable {
  id: string;
  staff_id: string;
  /** SHA-256 (hex) of the normalised code; the code is shown once. */
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** A sign-in between the password and the second factor (or the forced enrolment). */
export interface SignInChallengeTable {
  id: string;
  staff_id: string;
  purpose: 'second_factor' | 'enrol';
  created_at: string;
  expires_at: string;
  failed_attempts: number;
  completed_at: string | null;
}

/** A goal of the patient's care plan, in the patient's words; `owner_id` a care team member or null. */
export interface CarePlanGoalTable {
  id: string;
  patient_id: string;
  /** Clinical text: never logged. */
  text: string;
  owner_id: string | null;
  status: 'active' | 'met' | 'dropped';
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A problem being worked on. */
export interface CarePlanProblemTable {
  id: string;
  patient_id: string;
  text: string;
  owner_id: string | null;
  status: 'active' | 'resolved';
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface MedicationTable {
  id: string;
  patient_id: string;
  name: string;
  /** The current dose (latest start or dose change). */
  dose: string | null;
  /** YYYY-MM-DD */
  started_on: string;
  stopped_on: string | null;
  prescriber: string | null;
  /** 1 when a clinician asked the team to watch for sexual side effects. */
  watch_sexual_side_effects: number;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface MedicationEventTable {
  id: string;
  medication_id: string;
  kind: 'start' | 'dose_change' | 'stop';
  /** YYYY-MM-DD */
  occurred_on: string;
  dose: string | null;
  recorded_by: string;
  recorded_at: string;
}

export interface ReferralTable {
  id: string;
  patient_id: string;
  referred_to: string;
  reason: string;
  status: 'proposed' | 'sent' | 'accepted' | 'completed' | 'declined';
  /** YYYY-MM-DD */
  referred_on: string;
  updated_on: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** One change to a patient's care plan: who, when, and a short summary (shown to the care team, never logged). */
export interface CarePlanChangeTable {
  id: string;
  patient_id: string;
  /** Order within the patient's history (changes to one patient are serialised). */
  seq: number;
  entity: 'goal' | 'problem' | 'medication' | 'referral';
  entity_id: string;
  summary: string;
  by_staff_id: string;
  at: string;
}

/** A clinician's note on one visit (one per visit and author); its text is clinical: never logged. */
export interface VisitNoteTable {
  id: string;
  visit_id: string;
  patient_id: string;
  author_id: string;
  summary: string;
  plan: string;
  /** "For the next clinician". */
  handoff: string;
  /** The edit window (VISIT_NOTE_EDIT_MINUTES) runs from here. */
  created_at: string;
  updated_at: string;
}

/** An amendment to a visit note once its edit window closed; append-only (never updated or deleted). */
export interface VisitNoteAmendmentTable {
  id: string;
  note_id: string;
  author_id: string;
  text: string;
  created_at: string;
}


/** One clinician on a patient's care team (not only a visit's): their role, and whether they coordinate (at most one). */
export interface PatientCareTeamTable {
  patient_id: string;
  staff_id: string;
  /** One of CARE_TEAM_ROLES in shared/api/care-team.schema.ts. */
  role: string;
  /** 1 for the patient's coordinator, else 0. */
  is_coordinator: number;
  added_by: string | null;
  added_at: string;
}

/** One instrument of a patient's measurement plan; `every_weeks` null means every visit. */
export interface MeasurementPlanItemTable {
  patient_id: string;
  instrument_id: string;
  every_weeks: number | null;
  /** The order the clinician listed the items in. */
  position: number;
  /** The clinician who last set this item; the plan's automatic sends are made in their name. */
  set_by: string;
  set_at: string;
}

/** One automatic send of the measurement plan: at most one per visit and instrument (primary key). */
export interface MeasurementSendTable {
  visit_id: string;
  instrument_id: string;
  checkin_id: string;
  sent_at: string;
}

export interface DB {
  staff: StaffTable;
  sessions: SessionTable;
  staff_invitations: StaffInvitationTable;
  staff_sign_in_sources: StaffSignInSourceTable;
  patients: PatientTable;
  visits: VisitTable;
  visit_clinicians: VisitClinicianTable;
  patient_links: PatientLinkTable;
  dob_failures: DobFailureTable;
  participants: ParticipantTable;
  consents: ConsentTable;
  attendance: AttendanceTable;
  webhook_events: WebhookEventTable;
  audit_log: AuditLogTable;
  /** PostgreSQL only. */
  audit_chain_heads: AuditChainHeadTable;
  checkins: CheckinTable;
  checkin_answers: CheckinAnswerTable;
  safety_alerts: SafetyAlertTable;
  staff_totp: StaffTotpTable;
  staff_recovery_codes: StaffRecoveryCodeTable;
  sign_in_challenges: SignInChallengeTable;
  patient_care_team: PatientCareTeamTable;
  care_plan_goals: CarePlanGoalTable;
  care_plan_problems: CarePlanProblemTable;
  medications: MedicationTable;
  medication_events: MedicationEventTable;
  referrals: ReferralTable;
  care_plan_changes: CarePlanChangeTable;
  measurement_plan_items: MeasurementPlanItemTable;
  measurement_sends: MeasurementSendTable;
  visit_notes: VisitNoteTable;
  visit_note_amendments: VisitNoteAmendmentTable;
}
