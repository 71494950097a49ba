"""Read-side queries for metrics and events."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Max, Min, Q, QuerySet

from backend.common.types import JobId
from backend.telemetry.models import Event, MetricPoint


def extremes_sql(
    qs: QuerySet[MetricPoint], job_id: JobId, field: str, buckets: int, lo: int, hi: int
) -> set[int]:
    """PostgreSQL: one aggregate pass; min/max over ARRAY[value, step] compare by value first,
    so each bucket's extremes come back with their steps without sorting the series."""
    span = max(hi - lo + 1, 1)
    sql = f"""
        SELECT min(ARRAY[{field}, step::float8]), max(ARRAY[{field}, step::float8])
        FROM telemetry_metricpoint
        WHERE job_id = %s AND {field} IS NOT NULL AND step BETWEEN %s AND %s
        GROUP BY ((step - %s)::bigint * %s) / %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [job_id, lo, hi, lo, buckets, span])
        return {int(pair[1]) for row in cursor.fetchall() for pair in row}


def extremes_python(
    qs: QuerySet[MetricPoint], job_id: JobId, field: str, buckets: int, lo: int, hi: int
) -> set[int]:
    """The same selection in Python, for databases without array aggregates (SQLite)."""
    span = max(hi - lo + 1, 1)
    extremes: dict[int, tuple[tuple[float, int], tuple[float, int]]] = {}
    rows = qs.filter(**{f"{field}__isnull": False}, step__gte=lo, step__lte=hi).order_by()
    for step, value in rows.values_list("step", field).iterator(chunk_size=5000):
        bucket = (step - lo) * buckets // span
        low, high = extremes.get(bucket, ((value, step), (value, step)))
        extremes[bucket] = (min(low, (value, step)), max(high, (value, step)))
    return {step for pair in extremes.values() for _, step in pair}


def _extremes_per_bucket(
    qs: QuerySet[MetricPoint], job_id: JobId, field: str, buckets: int, lo: int, hi: int
) -> set[int]:
    """Steps of the min and max `field` point in each of `buckets` equal step ranges.

    Keeping both extremes of every bucket means a spike (or a dip) survives downsampling, which
    an every-k-th-point sample would silently drop.
    """
    impl = extremes_sql if connection.vendor == "postgresql" else extremes_python
    return impl(qs, job_id, field, buckets, lo, hi)


def metrics_downsampled(
    *, job_id: JobId, after_step: int | None, max_points: int
) -> tuple[list[MetricPoint], int, bool]:
    """Metric points of a job (after `after_step`), at most `max_points` of them.

    Returns (points in step order, total points in range, whether downsampled).
    """
    qs = MetricPoint.objects.filter(job_id=job_id)
    if after_step is not None:
        qs = qs.filter(step__gt=after_step)
    stats = qs.aggregate(total=Count("pk"), lo=Min("step"), hi=Max("step"))
    total = stats["total"]
    if total <= max_points:
        return list(qs.order_by("step")), total, False
    lo, hi = stats["lo"], stats["hi"]
    # Each bucket yields up to two points per series; train and val share the budget.
    per_series = max(max_points // 4, 1)
    steps = _extremes_per_bucket(qs, job_id, "train_loss", per_series, lo, hi)
    steps |= _extremes_per_bucket(qs, job_id, "val_loss", per_series, lo, hi)
    points = list(MetricPoint.objects.filter(job_id=job_id, step__in=steps).order_by("step"))
    return points, total, True


def events_for_job(
    *, job_id: JobId, types: list[str] | None, search: str | None, after_seq: int | None
) -> QuerySet[Event]:
    qs = Event.objects.filter(job_id=job_id)
    if types:
        qs = qs.filter(type__in=types)
    if search:
        qs = qs.filter(Q(message__icontains=search))
    if after_seq is not None:
        qs = qs.filter(seq__gt=after_seq)
    return qs.order_by("-seq")
