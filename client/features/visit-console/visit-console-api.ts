import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { VisitDetailResponseSchema } from '@shared/api/visits.schema';
import type { WaitingMessageRequest, WaitingMessageResponseSchema } from '@shared/api/waiting-room.schema';
import { api } from '../../lib/api';

export type VisitDetail = z.infer<typeof VisitDetailResponseSchema>['visit'];
type WaitingMessageResponse = z.infer<typeof WaitingMessageResponseSchema>;

export type ParticipantAction = 'admit' | 'deny' | 'return-to-waiting' | 'remove';

/** What a clinician can do from the console. */
export type ConsoleAction =
  | { kind: 'participant'; action: ParticipantAction; participantId: string }
  | { kind: 'end' }
  | { kind: 'message'; request: WaitingMessageRequest };

export const visitKey = (visitId: string) => ['visit', visitId] as const;

/** One visit as its clinicians see it, with attendance and the current waiting-room message. */
export async function fetchVisit(visitId: string): Promise<VisitDetail> {
  return (await api<z.infer<typeof VisitDetailResponseSchema>>('GET', `/api/visits/${visitId}`)).visit;
}

/** Sends one console action; the server broadcasts its result to everyone watching the visit. */
export function postConsoleAction(visitId: string, a: ConsoleAction): Promise<unknown> {
  switch (a.kind) {
    case 'participant':
      return a.action === 'remove'
        ? api('POST', `/api/visits/${visitId}/participants/${a.participantId}/remove`)
        : api('POST', `/api/visits/${visitId}/${a.action}`, { participantId: a.participantId });
    case 'end':
      return api('POST', `/api/visits/${visitId}/end`);
    case 'message':
      return api<WaitingMessageResponse>('PUT', `/api/visits/${visitId}/waiting-message`, a.request);
  }
}

/** The key that marks which control is busy while an action runs. */
export function actionKey(a: ConsoleAction): string {
  return a.kind === 'participant' ? `${a.action}:${a.participantId}` : a.kind;
}

export function useVisitDetail(visitId: string) {
  return useQuery({ queryKey: visitKey(visitId), queryFn: () => fetchVisit(visitId) });
}

/** Console actions; a new waiting message goes straight into the cached visit, an ended visit is fetched again. */
export function useConsoleAction(visitId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (a: ConsoleAction) => postConsoleAction(visitId, a),
    onSuccess: (data, a) => {
      if (a.kind === 'message') {
        const { message } = data as WaitingMessageResponse;
        queryClient.setQueryData<VisitDetail>(visitKey(visitId), (v) => v && { ...v, waitingMessage: message });
      }
      if (a.kind === 'end') void queryClient.invalidateQueries({ queryKey: visitKey(visitId) });
    },
  });
}
