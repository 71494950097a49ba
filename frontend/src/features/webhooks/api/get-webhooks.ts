import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client';
import { webhooksKey, type Webhook } from './keys';

export const getWebhooks = (signal?: AbortSignal) => api<Webhook[]>('/api/training/webhooks', { signal });

export const useWebhooks = (enabled: boolean) =>
  useQuery({ queryKey: webhooksKey, queryFn: ({ signal }) => getWebhooks(signal), enabled, refetchInterval: 15_000 });
