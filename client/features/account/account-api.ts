import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  AcceptInvitationRequest,
  AccountResponseSchema,
  ChangePasswordRequest,
  InvitationResponseSchema,
} from '@shared/api/account.schema';
import { api } from '../../lib/api';

type InvitationResponse = z.infer<typeof InvitationResponseSchema>;
type AccountResponse = z.infer<typeof AccountResponseSchema>;

/** What a one-time link is for; 404/410 arrive as the query's error. The token goes in the body, never a query string. */
export function useInvitation(token: string) {
  return useQuery({
    queryKey: ['invitation', token],
    queryFn: async () => (await api<InvitationResponse>('POST', '/api/auth/invitation', { token })).invitation,
    retry: false,
    staleTime: Infinity,
  });
}

/** Every cached answer belongs to whoever was signed in before: ask again, as the new session. */
function useStartOver() {
  const queryClient = useQueryClient();
  return () => queryClient.resetQueries();
}

/** Sets one's own password through the link; the server signs the person in. */
export function useAcceptInvitation() {
  const startOver = useStartOver();
  return useMutation({
    mutationFn: (input: AcceptInvitationRequest) => api<AccountResponse>('POST', '/api/auth/invitation/accept', input),
    onSuccess: () => startOver(),
  });
}

/** Changes one's own password; every other session of the account ends. */
export function useChangePassword() {
  const startOver = useStartOver();
  return useMutation({
    mutationFn: (input: ChangePasswordRequest) => api<AccountResponse>('POST', '/api/auth/password', input),
    onSuccess: () => startOver(),
  });
}
