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


export interface DB {
  staff: StaffTable;
  sessions: SessionTable;
}
