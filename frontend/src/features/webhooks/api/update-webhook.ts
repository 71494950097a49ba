import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { webhooksKey, type Webhook, type WebhookEvent } from './keys';

export interface UpdateWebhookInput {
  id: string;
  name?: string;
  url?: string;
  events?: WebhookEvent[];
  active?: boolean;
}

export const updateWebhook = ({ id, ...body }: UpdateWebhookInput) =>
  api<Webhook>(`/api/training/webhooks/${id}`, { method: 'PATCH', body });

export function useUpdateWebhook() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: updateWebhook, onSuccess: () => qc.invalidateQueries({ queryKey: webhooksKey }) });
}
