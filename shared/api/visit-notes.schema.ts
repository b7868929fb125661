import { z } from 'zod';

/*
 * Visit notes (issue 13, item 7): a short clinician-only note per visit and clinician — summary, plan, and what
 * the next clinician should know. Its author may edit it for VISIT_NOTE_EDIT_MINUTES after writing it; after that
 * it is append-only: amendments (text, author, time) are added, never edited. Read by the patient's care team only.
 */

/** Longest text of one note field or amendment, in characters. */
export const NOTE_FIELD_MAX = 4000;

const NoteText = (what: string) =>
  z
    .string({ error: `${what} must be text` })
    .trim()
    .max(NOTE_FIELD_MAX, `Use at most ${NOTE_FIELD_MAX} characters`);

const NoteFieldsObject = z.strictObject({
  summary: NoteText('Summary').optional(),
  plan: NoteText('Plan').optional(),
  /** "For the next clinician": what whoever sees the patient next should know. */
  handoff: NoteText('For the next clinician').optional(),
});

const hasText = (n: { summary?: string; plan?: string; handoff?: string }) => Boolean(n.summary || n.plan || n.handoff);

/** POST /api/visits/:id/notes: at least one field with text. */
export const CreateVisitNoteRequestSchema = NoteFieldsObject.refine(hasText, {
  message: 'Write a summary, a plan or something for the next clinician',
  path: ['summary'],
});
export type CreateVisitNoteRequest = z.infer<typeof CreateVisitNoteRequestSchema>;

/** PATCH /api/visit-notes/:id: the fields to change; the note must keep some text. */
export const UpdateVisitNoteRequestSchema = NoteFieldsObject.refine((n) => Object.keys(n).length > 0, {
  message: 'Change at least one field',
  path: ['summary'],
});
export type UpdateVisitNoteRequest = z.infer<typeof UpdateVisitNoteRequestSchema>;

/** POST /api/visit-notes/:id/amendments. */
export const AmendVisitNoteRequestSchema = z.strictObject({
  text: NoteText('Amendment').min(1, 'Write the amendment'),
});
export type AmendVisitNoteRequest = z.infer<typeof AmendVisitNoteRequestSchema>;

const PersonSchema = z.object({ id: z.string(), name: z.string() });

export const VisitNoteAmendmentSchema = z.object({
  id: z.string(),
  text: z.string(),
  author: PersonSchema,
  createdAt: z.string(),
});
export type VisitNoteAmendment = z.infer<typeof VisitNoteAmendmentSchema>;

export const VisitNoteSchema = z.object({
  id: z.string(),
  visitId: z.string(),
  patientId: z.string(),
  /** When the visit was (started or scheduled to start). */
  visitStartsAt: z.string(),
  author: PersonSchema,
  summary: z.string(),
  plan: z.string(),
  handoff: z.string(),
  createdAt: z.string(),
  /** Last edit by the author (equal to createdAt when never edited). */
  updatedAt: z.string(),
  /** Until when the author may still edit the note itself; afterwards only amendments. */
  editableUntil: z.string(),
  /** Whether the one asking may edit it now (the author, inside the window). */
  editable: z.boolean(),
  /** Whether the one asking may add an amendment (the author). */
  amendable: z.boolean(),
  /** Oldest first. */
  amendments: z.array(VisitNoteAmendmentSchema),
});
export type VisitNote = z.infer<typeof VisitNoteSchema>;

/** GET /api/visits/:id/notes (oldest first) and GET /api/patients/:id/notes (newest visit first). */
export const VisitNoteListResponseSchema = z.object({ notes: z.array(VisitNoteSchema) });
export const VisitNoteResponseSchema = z.object({ note: VisitNoteSchema });
