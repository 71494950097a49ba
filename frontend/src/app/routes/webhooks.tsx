import { WebhooksPage } from '../../features/webhooks/components/WebhooksPage';

export function WebhooksRoute() {
  return <WebhooksPage />;
}
