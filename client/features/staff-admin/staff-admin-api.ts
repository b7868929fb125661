import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { z } from 'zod';
import type { CreateStaffRequest, StaffListResponseSchema, StaffWithPasswordResponseSchema } from '@shared/api/staff.schema';
import { api } from '../../lib/api';

type StaffListResponse = z.infer<typeof StaffListResponseSchema>;
export type StaffWithPassword = z.infer<typeof StaffWithPasswordResponseSchema>;

export const staffKey = ['staff'] as const;

export async function fetchStaff() {
  return (await api<StaffListResponse>('GET', '/api/staff')).staff;
}

/** Every staff account, active or not. */
export function useStaffList() {
  return useQuery({ queryKey: staffKey, queryFn: fetchStaff });
}

/** Adds an account; the answer carries its password, which is never shown again. */
export function useCreateStaff() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateStaffRequest) => api<StaffWithPassword>('POST', '/api/staff', input),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: staffKey }),
  });
}

/** Gives an account a new password and signs it out everywhere; the list does not change. */
export function useResetPassword() {
  return useMutation({
    mutationFn: (staffId: string) => api<StaffWithPassword>('POST', `/api/staff/${staffId}/reset-password`),
  });
}
