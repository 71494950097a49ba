import { ComparePage } from '../../features/compare-runs/components/ComparePage';

export function CompareRoute() {
  return <ComparePage />;
}
