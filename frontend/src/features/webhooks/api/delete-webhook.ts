import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { webhooksKey } from './keys';

export const deleteWebhook = (id: string) => api<void>(`/api/training/webhooks/${id}`, { method: 'DELETE' });

export function useDeleteWebhook() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: deleteWebhook, onSuccess: () => qc.invalidateQueries({ queryKey: webhooksKey }) });
}
