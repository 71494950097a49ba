"""Read-side queries for metrics and events."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import Least, RowNumber

from backend.common.types import JobId
from backend.telemetry.models import Event, MetricPoint


def _extremes_per_bucket(
    qs: QuerySet[MetricPoint], field: str, buckets: int, lo: int, hi: int
) -> list[int]:
    """Ids of the min and max `field` point in each of `buckets` equal step ranges.

    Keeping both extremes of every bucket means a spike (or a dip) survives downsampling, which
    an every-k-th-point sample would silently drop.
    """
    span = max(hi - lo + 1, 1)
    ranked = (
        qs.filter(**{f"{field}__isnull": False})
        .annotate(bucket=(F("step") - lo) * buckets / span)
        .annotate(
            rn_min=Window(
                RowNumber(), partition_by=[F("bucket")], order_by=[F(field).asc(), "step"]
            ),
            rn_max=Window(
                RowNumber(), partition_by=[F("bucket")], order_by=[F(field).desc(), "step"]
            ),
        )
        .annotate(rank=Least("rn_min", "rn_max"))
        .filter(rank=1)
    )
    return list(ranked.values_list("id", flat=True))


def metrics_downsampled(
    *, job_id: JobId, after_step: int | None, max_points: int
) -> tuple[list[MetricPoint], int, bool]:
    """Metric points of a job (after `after_step`), at most `max_points` of them.

    Returns (points in step order, total points in range, whether downsampled).
    """
    qs = MetricPoint.objects.filter(job_id=job_id)
    if after_step is not None:
        qs = qs.filter(step__gt=after_step)
    total = qs.count()
    if total <= max_points:
        return list(qs.order_by("step")), total, False
    bounds = qs.order_by("step").values_list("step", flat=True)
    lo, hi = bounds.first(), bounds.last()
    assert lo is not None and hi is not None
    # Each bucket yields up to two points per series; train and val share the budget.
    per_series = max(max_points // 4, 1)
    ids = set(_extremes_per_bucket(qs, "train_loss", per_series, lo, hi))
    ids |= set(_extremes_per_bucket(qs, "val_loss", per_series, lo, hi))
    points = list(MetricPoint.objects.filter(id__in=ids).order_by("step"))
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
