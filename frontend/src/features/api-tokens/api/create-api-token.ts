import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import type { NewApiToken } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export interface CreateApiTokenInput {
  name: string;
  /** ISO 8601, or null for a token that never expires. */
  expires_at: string | null;
}

/** Creates a token; the reply is the only time its key is shown. */
export function createApiToken(input: CreateApiTokenInput): Promise<NewApiToken> {
  return api<NewApiToken>('/api/auth/tokens', { method: 'POST', body: input });
}

export function useCreateApiToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createApiToken,
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.apiTokens }),
  });
}
