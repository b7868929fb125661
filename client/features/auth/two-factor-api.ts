import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { MeResponseSchema, StaffUser } from '@shared/api/auth.schema';
import type { SsoCallbackRequest, SsoConfig, TotpConfirmResponseSchema, TotpEnrolment } from '@shared/api/two-factor.schema';
import { api } from '../../lib/api';
import { sessionKey } from './session-api';

type MeResponse = z.infer<typeof MeResponseSchema>;
type TotpConfirmResponse = z.infer<typeof TotpConfirmResponseSchema>;

/** Finishes a sign-in whose password was accepted, with an app code or a recovery code. */
export function useSecondFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (code: string) => (await api<MeResponse>('POST', '/api/auth/second-factor', { code })).user,
    onSuccess: (user) => queryClient.setQueryData<StaffUser | null>(sessionKey, user),
  });
}

/** A new, unconfirmed authenticator secret (signed in, or in a sign-in sent to enrolment). */
export const startTotpEnrolment = () => api<TotpEnrolment>('POST', '/api/auth/totp/enrol');

/** Confirms the app with a code from it; returns the recovery codes (and the user when it finished a sign-in). */
export const confirmTotpEnrolment = (code: string) => api<TotpConfirmResponse>('POST', '/api/auth/totp/confirm', { code });

export const ssoConfigKey = ['sso-config'] as const;

/** Whether the clinic offers single sign-on, and whether it is the only way in. */
export function useSsoConfig() {
  return useQuery({ queryKey: ssoConfigKey, queryFn: () => api<SsoConfig>('GET', '/api/auth/sso'), staleTime: Infinity });
}

/** Leaves for the clinic's identity provider. */
export async function startSso(): Promise<void> {
  const { url } = await api<{ url: string }>('POST', '/api/auth/sso/start');
  window.location.assign(url);
}

/** Hands what the provider sent back to the server, which signs the person in. */
export function useSsoCallback() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (params: SsoCallbackRequest) => (await api<MeResponse>('POST', '/api/auth/sso/callback', params)).user,
    onSuccess: (user) => queryClient.setQueryData<StaffUser | null>(sessionKey, user),
  });
}
