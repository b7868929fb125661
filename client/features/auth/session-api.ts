import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { LoginRequest, MeResponseSchema, StaffUser } from '@shared/api/auth.schema';
import type { LoginResponse } from '@shared/api/two-factor.schema';
import { api, ApiError } from '../../lib/api';

type MeResponse = z.infer<typeof MeResponseSchema>;

export const sessionKey = ['session'] as const;

/** The signed-in staff member, or null when there is no session (the server answers 401). */
export async function fetchSessionUser(): Promise<StaffUser | null> {
  try {
    return (await api<MeResponse>('GET', '/api/auth/me')).user;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/**
 * Drops everything one staff member fetched, so nothing stays in memory for the next person to
 * sign in here; the session itself is kept, as null.
 */
export function forgetStaffData(queryClient: QueryClient): void {
  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== sessionKey[0] });
  queryClient.setQueryData<StaffUser | null>(sessionKey, null);
}

/**
 * Who is signed in. It is asked again after every socket reconnection (with the page's other
 * queries), so a session that ended meanwhile leads to the sign-in page.
 */
export function useSessionUser() {
  return useQuery({ queryKey: sessionKey, queryFn: fetchSessionUser });
}

/** Email and password: the session when that is all the account needs, or which second step comes next. */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: LoginRequest) => api<LoginResponse>('POST', '/api/auth/login', input),
    onSuccess: (res) => {
      if ('user' in res) queryClient.setQueryData<StaffUser | null>(sessionKey, res.user);
    },
  });
}

/** Ends the session; the cache is emptied even when the server cannot be reached. */
export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api('POST', '/api/auth/logout').catch(() => undefined),
    onSettled: () => forgetStaffData(queryClient),
  });
}
