import { Skeleton, SkeletonCard } from '../../../components/Skeleton';

export function DashboardSkeleton() {
  return (
    <div className="page" role="status" aria-label="Loading training job" aria-busy="true" data-testid="dashboard-skeleton">
      <div className="stack-sm">
        <Skeleton width={120} height={12} />
        <Skeleton width="45%" height={28} />
        <Skeleton width="30%" height={14} />
      </div>
      <SkeletonCard height={150} />
      <SkeletonCard height={110} />
      <div className="overview-grid">
        <SkeletonCard height={400} />
        <div className="overview-grid__side">
          <SkeletonCard height={250} />
          <SkeletonCard height={220} />
        </div>
      </div>
    </div>
  );
}
