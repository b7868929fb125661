import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  AmendVisitNoteRequest,
  CreateVisitNoteRequest,
  UpdateVisitNoteRequest,
  VisitNote,
  VisitNoteListResponseSchema,
  VisitNoteResponseSchema,
} from '@shared/api/visit-notes.schema';
import { api } from '../../lib/api';

type NoteList = z.infer<typeof VisitNoteListResponseSchema>;
type NoteResponse = z.infer<typeof VisitNoteResponseSchema>;

export const visitNotesKey = (visitId: string) => ['visit', visitId, 'notes'] as const;
export const patientNotesKey = (patientId: string) => ['patient', patientId, 'notes'] as const;

export function useVisitNotes(visitId: string) {
  return useQuery({
    queryKey: visitNotesKey(visitId),
    queryFn: async () => (await api<NoteList>('GET', `/api/visits/${visitId}/notes`)).notes,
  });
}

export function usePatientNotes(patientId: string) {
  return useQuery({
    queryKey: patientNotesKey(patientId),
    queryFn: async () => (await api<NoteList>('GET', `/api/patients/${patientId}/notes`)).notes,
  });
}

export type NoteChange =
  | { kind: 'create'; body: CreateVisitNoteRequest }
  | { kind: 'update'; noteId: string; body: UpdateVisitNoteRequest }
  | { kind: 'amend'; noteId: string; body: AmendVisitNoteRequest };

/** Writes, edits or amends a note of this visit and puts the server's answer into the cached list. */
export function useNoteChange(visitId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (c: NoteChange): Promise<VisitNote> => {
      const res =
        c.kind === 'create'
          ? await api<NoteResponse>('POST', `/api/visits/${visitId}/notes`, c.body)
          : c.kind === 'update'
            ? await api<NoteResponse>('PATCH', `/api/visit-notes/${c.noteId}`, c.body)
            : await api<NoteResponse>('POST', `/api/visit-notes/${c.noteId}/amendments`, c.body);
      return res.note;
    },
    onSuccess: (note) => {
      queryClient.setQueryData<VisitNote[]>(visitNotesKey(visitId), (cur) =>
        cur ? (cur.some((n) => n.id === note.id) ? cur.map((n) => (n.id === note.id ? note : n)) : [...cur, note]) : [note],
      );
      void queryClient.invalidateQueries({ queryKey: patientNotesKey(note.patientId) });
    },
  });
}
