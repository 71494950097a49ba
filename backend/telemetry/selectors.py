"""Read-side queries for metrics and events."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Avg, QuerySet

from backend.common.types import JobId
from backend.telemetry.models import METRIC_VALUE_FIELDS, Event, MetricPoint

SERIES = ("train_loss", "val_loss")
# The API shape of a point (MetricPointSerializer); read as plain dicts because this endpoint is
# polled and a 1000-point payload through field-by-field serializers costs more than the query.
FIELDS = ("step", *METRIC_VALUE_FIELDS, "recorded_at")


def extremes_sql(job_id: JobId, buckets: int, lo: int, hi: int) -> tuple[set[int], int]:
    """PostgreSQL: one aggregate pass over the range for both series. min/max over
    ARRAY[value, step] compare by value first, so each bucket's extremes come back with their
    steps without sorting the series."""
    span = max(hi - lo + 1, 1)
    aggregates = ", ".join(
        f"min(ARRAY[{f}, step::float8]) FILTER (WHERE {f} IS NOT NULL), "
        f"max(ARRAY[{f}, step::float8]) FILTER (WHERE {f} IS NOT NULL)"
        for f in SERIES
    )
    sql = f"""
        SELECT count(*), {aggregates} FROM telemetry_metricpoint
        WHERE job_id = %s AND step BETWEEN %s AND %s
        GROUP BY ((step - %s)::bigint * %s) / %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [job_id, lo, hi, lo, buckets, span])
        rows = cursor.fetchall()
    steps = {int(pair[1]) for row in rows for pair in row[1:] if pair is not None}
    return steps, sum(row[0] for row in rows)


def extremes_python(job_id: JobId, buckets: int, lo: int, hi: int) -> tuple[set[int], int]:
    """The same selection in Python, for databases without array aggregates (SQLite)."""
    span = max(hi - lo + 1, 1)
    extremes: dict[tuple[str, int], tuple[tuple[float, int], tuple[float, int]]] = {}
    total = 0
    rows = MetricPoint.objects.filter(job_id=job_id, step__gte=lo, step__lte=hi).order_by()
    for step, *values in rows.values_list("step", *SERIES).iterator(chunk_size=5000):
        total += 1
        bucket = (step - lo) * buckets // span
        for field, value in zip(SERIES, values, strict=True):
            if value is None:
                continue
            low, high = extremes.get((field, bucket), ((value, step), (value, step)))
            extremes[(field, bucket)] = (min(low, (value, step)), max(high, (value, step)))
    return {step for pair in extremes.values() for _, step in pair}, total


def metrics_downsampled(
    *, job_id: JobId, after_step: int | None, max_points: int
) -> tuple[list[dict[str, Any]], int, bool]:
    """Metric points of a job (after `after_step`), at most `max_points` of them.

    Returns (points in step order, total points in range, whether downsampled).
    """
    qs = MetricPoint.objects.filter(job_id=job_id)
    if after_step is not None:
        qs = qs.filter(step__gt=after_step)
    # The range ends come from the (job, step) index; steps are unique, so when the range is
    # no wider than max_points neither is the count, and no COUNT(*) pass is needed.
    lo = qs.order_by("step").values_list("step", flat=True).first()
    hi = qs.order_by("-step").values_list("step", flat=True).first()
    if lo is None or hi is None:
        return [], 0, False
    if hi - lo + 1 <= max_points:
        points = list(qs.order_by("step").values(*FIELDS))
        return points, len(points), False
    # Keeping both extremes of every bucket means a spike (or a dip) survives downsampling,
    # which an every-k-th-point sample would silently drop. Each bucket yields up to two points
    # per series; train and val share the budget.
    buckets = max(max_points // 4, 1)
    extremes = extremes_sql if connection.vendor == "postgresql" else extremes_python
    steps, total = extremes(job_id, buckets, lo, hi)
    if total <= max_points:  # a sparse range: everything fits after all
        return list(qs.order_by("step").values(*FIELDS)), total, False
    points = list(
        MetricPoint.objects.filter(job_id=job_id, step__in=steps).order_by("step").values(*FIELDS)
    )
    return points, total, True


def events_for_job(
    *, job_id: JobId, types: list[str] | None, search: str | None, after_seq: int | None
) -> QuerySet[Event]:
    """A job's events, newest first in time order. `seq` is commit order, and a worker's batch
    can commit after events the API recorded later (its own times come with it), so seq alone
    would show 14:47:04 below 14:47:06; equal times (one batch) keep their sequence order."""
    qs = Event.objects.filter(job_id=job_id)
    if types:
        qs = qs.filter(type__in=types)
    if search:
        qs = qs.filter(message__icontains=search)
    if after_seq is not None:
        qs = qs.filter(seq__gt=after_seq)
    return qs.order_by("-created_at", "-seq")


def metric_mean_tokens_per_second(*, job_id: JobId) -> float | None:
    """The mean throughput of a job's logged training intervals (None before any was logged):
    the whole-run figure would also count data and model loading."""
    mean = MetricPoint.objects.filter(job_id=job_id, tokens_per_second__gt=0).aggregate(
        mean=Avg("tokens_per_second")
    )["mean"]
    return float(mean) if mean else None
