import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { ApiToken } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

/** The signed-in user's personal API tokens (names and key prefixes; keys are never listed). */
export function getApiTokens(): Promise<ApiToken[]> {
  return api<ApiToken[]>('/api/auth/tokens');
}

export function useApiTokens() {
  return useQuery({ queryKey: queryKeys.apiTokens, queryFn: getApiTokens });
}
