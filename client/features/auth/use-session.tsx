import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import type { StaffUser } from '@shared/api/auth.schema';
import { forgetStaffData, useSessionUser, useSignIn, useSignOut } from './session-api';

interface SessionState {
  user: StaffUser | null;
  loading: boolean;
  /** Resolves 'done' when signed in, or the second step the account needs ('totp', or 'enrol' when the clinic requires an app). */
  signIn(email: string, password: string): Promise<'done' | 'totp' | 'enrol'>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/** Holds the signed-in staff member for the staff app. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const session = useSessionUser();
  const { mutateAsync: signInAsync } = useSignIn();
  const { mutateAsync: signOutAsync } = useSignOut();
  // A failed re-check keeps the last answer; only the server's "no session" signs out.
  const user = session.data ?? null;
  const loading = session.isPending;
  const signedOut = !loading && !user;

  useEffect(() => {
    if (session.error) console.warn('session check failed');
  }, [session.error]);

  // A session that ended on its own (expired, signed out elsewhere) leaves nothing cached either.
  useEffect(() => {
    if (signedOut) forgetStaffData(queryClient);
  }, [signedOut, queryClient]);

  const value = useMemo<SessionState>(
    () => ({
      user,
      loading,
      signIn: async (email, password) => {
        const res = await signInAsync({ email, password });
        return 'user' in res ? 'done' : res.secondFactor;
      },
      signOut: async () => {
        await signOutAsync();
      },
    }),
    [user, loading, signInAsync, signOutAsync],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession must be used inside SessionProvider');
  return ctx;
}
