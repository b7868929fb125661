import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type {
  CreateStaffRequest,
  StaffListResponseSchema,
  StaffResponseSchema,
  StaffWithInvitationResponseSchema,
  UpdateStaffRequest,
} from '@shared/api/staff.schema';
import { api } from '../../lib/api';

type StaffListResponse = z.infer<typeof StaffListResponseSchema>;
type StaffResponse = z.infer<typeof StaffResponseSchema>;
export type StaffWithInvitation = z.infer<typeof StaffWithInvitationResponseSchema>;

export const staffKey = ['staff'] as const;

export async function fetchStaff() {
  return (await api<StaffListResponse>('GET', '/api/staff')).staff;
}

/** Every staff account, active or not. */
export function useStaffList() {
  return useQuery({ queryKey: staffKey, queryFn: fetchStaff });
}

/** Adds an account; the answer carries its one-time invitation link, which is never shown again. */
export function useCreateStaff() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateStaffRequest) => api<StaffWithInvitation>('POST', '/api/staff', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: staffKey }),
  });
}

/** Voids the password, signs the account out everywhere and issues a new one-time link (shown once). */
export function useResetPassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (staffId: string) => api<StaffWithInvitation>('POST', `/api/staff/${staffId}/reset-password`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: staffKey }),
  });
}

/** Rename, change role, deactivate or reactivate: each signs the account out everywhere. */
export function useUpdateStaff() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: UpdateStaffRequest }) => api<StaffResponse>('PATCH', `/api/staff/${id}`, patch),
    onSettled: () => queryClient.invalidateQueries({ queryKey: staffKey }),
  });
}

/** Removes someone's authenticator app (a lost phone); they set one up again at their next sign-in if required. */
export function useResetSecondFactor() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (staffId: string) => api<StaffResponse>('POST', `/api/staff/${staffId}/reset-2fa`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: staffKey }),
  });
}
