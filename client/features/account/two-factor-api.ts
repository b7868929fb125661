import { useQuery } from '@tanstack/react-query';
import type { TotpStatus } from '@shared/api/two-factor.schema';
import { api } from '../../lib/api';

export const twoFactorStatusKey = ['account', 'two-factor'] as const;

/** The signed-in person's second factor: on or off, recovery codes left, and whether the clinic requires one. */
export function useTwoFactorStatus() {
  return useQuery({ queryKey: twoFactorStatusKey, queryFn: () => api<TotpStatus>('GET', '/api/auth/totp') });
}
