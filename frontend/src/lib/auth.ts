import { queryOptions, useQuery } from '@tanstack/react-query';
import { ApiError, api } from './api-client';
import type { User } from './api-types';
import { queryKeys } from './query-keys';

/** The signed-in user, or null when signed out (401/403 not_authenticated). */
export async function getMe(): Promise<User | null> {
  try {
    return await api<User>('/api/auth/me');
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
    throw e;
  }
}

export const meQueryOptions = queryOptions({
  queryKey: queryKeys.me,
  queryFn: getMe,
  staleTime: 5 * 60_000,
});

export function useMe() {
  return useQuery(meQueryOptions);
}

/** The signed-in user; only call below the auth gate. */
export function useUser(): User | null {
  return useMe().data ?? null;
}
