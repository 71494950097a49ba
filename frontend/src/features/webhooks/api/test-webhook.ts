import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { deliveriesKey, webhooksKey, type WebhookDelivery } from './keys';

/** Queues a signed `webhook.test` delivery; its outcome shows in the delivery log. */
export const testWebhook = (id: string) => api<WebhookDelivery>(`/api/training/webhooks/${id}/test`, { method: 'POST' });

export function useTestWebhook() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: testWebhook,
    onSuccess: (_d, id) => {
      void qc.invalidateQueries({ queryKey: deliveriesKey(id) });
      void qc.invalidateQueries({ queryKey: webhooksKey });
    },
  });
}
