import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ensureCsrf } from '../../../lib/api-client';
import type { User } from '../../../lib/api-types';
import { queryKeys } from '../../../lib/query-keys';

export interface LoginInput {
  username: string;
  password: string;
}

export async function login(input: LoginInput): Promise<User> {
  await ensureCsrf(true);
  return api<User>('/api/auth/login', { method: 'POST', body: input });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: async (user) => {
      // Django rotates the CSRF token on login; fetch the fresh one before any write.
      await ensureCsrf(true).catch(() => undefined);
      qc.setQueryData(queryKeys.me, user);
    },
  });
}
