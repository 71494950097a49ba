import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { webhooksKey, type NewWebhook, type WebhookEvent } from './keys';

export interface CreateWebhookInput {
  name: string;
  url: string;
  events: WebhookEvent[];
  active: boolean;
}

/** Creates a hook; the reply is the only time its signing secret is shown. */
export const createWebhook = (input: CreateWebhookInput) => api<NewWebhook>('/api/training/webhooks', { method: 'POST', body: input });

export function useCreateWebhook() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: createWebhook, onSuccess: () => qc.invalidateQueries({ queryKey: webhooksKey }) });
}
