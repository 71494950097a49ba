import type { CSSProperties } from 'react';

export function Skeleton({ width = '100%', height = 14, radius = 6, style }: { width?: number | string; height?: number | string; radius?: number; style?: CSSProperties }) {
  return <span className="skeleton" aria-hidden="true" style={{ width, height, borderRadius: radius, ...style }} />;
}

export function SkeletonLines({ lines = 3 }: { lines?: number }) {
  return (
    <div className="stack-sm" aria-hidden="true">
      {Array.from({ length: lines }, (_, i) => (
        <Skeleton key={i} width={`${90 - i * 15}%`} />
      ))}
    </div>
  );
}

export function SkeletonCard({ height = 140, label }: { height?: number; label?: string }) {
  return (
    <div className="card skeleton-card" role="status" aria-label={label ?? 'Loading'} aria-busy="true">
      <Skeleton width="35%" height={16} />
      <Skeleton height={height - 60} style={{ marginTop: 16 }} />
    </div>
  );
}
