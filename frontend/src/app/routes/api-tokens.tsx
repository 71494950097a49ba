import { ApiTokensPage } from '../../features/api-tokens/components/ApiTokensPage';

export function ApiTokensRoute() {
  return <ApiTokensPage />;
}
