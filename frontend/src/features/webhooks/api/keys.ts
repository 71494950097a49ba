import type { components } from '../../../lib/api-schema';

export type Webhook = components['schemas']['Webhook'];
export type NewWebhook = components['schemas']['WebhookWithSecret'];
export type WebhookDelivery = components['schemas']['Delivery'];
export type WebhookEvent = components['schemas']['WebhookRequest']['events'][number];

export const webhooksKey = ['webhooks'] as const;
export const deliveriesKey = (id: string) => ['webhooks', 'deliveries', id] as const;

/** The events a hook can subscribe to, in display order, with what fires them. */
export const WEBHOOK_EVENTS: { value: WebhookEvent; label: string; hint: string }[] = [
  { value: 'job.completed', label: 'Job completed', hint: 'the adapter is ready' },
  { value: 'job.failed', label: 'Job failed', hint: 'with its failure category and message' },
  { value: 'job.cancelled', label: 'Job cancelled', hint: 'by a user' },
  { value: 'job.paused', label: 'Job paused', hint: 'by a user, an anomaly auto-pause or a budget cap' },
];
