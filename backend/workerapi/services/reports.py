"""Metric and event batches from a worker: idempotent upserts plus the job's live snapshot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.jobs.estimates import sample_record_early
from backend.jobs.models import Attempt, Job, Stage
from backend.telemetry.models import METRIC_VALUE_FIELDS, MetricPoint
from backend.telemetry.services import EventIn, events_append
from backend.workerapi.services.common import action_for, apply_progress, lock_for_write

METRIC_FIELDS = METRIC_VALUE_FIELDS
# Loss-spike rule used when the worker does not raise its own warnings: a train loss above
# SPIKE_FACTOR x the mean of the previous SPIKE_WINDOW logged losses (after SPIKE_MIN_POINTS).
SPIKE_FACTOR = 2.0
SPIKE_WINDOW = 10
SPIKE_MIN_POINTS = 3


@dataclass(frozen=True)
class IngestResult:
    stored: int
    action: str


def snapshot(
    previous: dict[str, Any] | None, point: dict[str, Any], recorded_at: datetime | None = None
) -> dict[str, Any]:
    """The dashboard's "latest metrics" (every MetricPoint field, null when never measured):
    the newest point, with fields it did not measure (val loss between evaluations) carried
    over from the snapshot before it."""
    merged: dict[str, Any] = {f: None for f in METRIC_FIELDS}
    merged.update({k: v for k, v in (previous or {}).items() if k in METRIC_FIELDS})
    merged.update({k: point.get(k) for k in METRIC_FIELDS if point.get(k) is not None})
    merged["step"] = point["step"]
    when = recorded_at or point.get("recorded_at")
    merged["recorded_at"] = when.isoformat() if isinstance(when, datetime) else when
    return merged


def _spike_warnings(job: Job, points: list[dict[str, Any]]) -> list[EventIn]:
    losses: list[float] = [
        loss
        for loss in MetricPoint.objects.filter(
            job_id=job.pk, step__lt=points[0]["step"], train_loss__isnull=False
        )
        .order_by("-step")
        .values_list("train_loss", flat=True)[:SPIKE_WINDOW]
        if loss is not None
    ][::-1]
    warnings: list[EventIn] = []
    for point in points:
        loss = point.get("train_loss")
        if loss is None:
            continue
        window = losses[-SPIKE_WINDOW:]
        if len(window) >= SPIKE_MIN_POINTS:
            mean = sum(window) / len(window)
            if loss > SPIKE_FACTOR * mean:
                warnings.append(
                    EventIn(
                        type="warning",
                        message=f"Loss spike at step {point['step']}: {loss:.3f} vs mean "
                        f"{mean:.3f} of the previous {len(window)} points",
                        payload={"step": point["step"], "train_loss": loss, "mean": mean},
                    )
                )
        losses.append(loss)
    return warnings


@transaction.atomic
def metrics_ingest(
    *,
    attempt: Attempt,
    points: list[dict[str, Any]],
    progress: dict[str, Any] | None = None,
    substatus: str | None = None,
    worker_warns: bool = False,
    now: datetime | None = None,
) -> IngestResult:
    """Upsert a batch of metric points (unique per job and step) and refresh the job's snapshot.

    A retried batch rewrites the same rows. Points of older attempts above this attempt's resume
    step were deleted at claim, so the curve never mixes two runs. `worker_warns=False` makes the
    API raise the loss-spike warnings itself.
    """
    now = now or timezone.now()
    job, current = lock_for_write(attempt=attempt)
    points = sorted(points, key=lambda p: p["step"])
    changed = apply_progress(job, progress, substatus)
    warnings: list[EventIn] = []
    if points:
        if not worker_warns:
            warnings = _spike_warnings(job, points)
        rows = [
            MetricPoint(
                job_id=job.pk,
                step=p["step"],
                attempt=current.number,
                recorded_at=now,
                **{f: p.get(f) for f in METRIC_FIELDS},
            )
            for p in points
        ]
        MetricPoint.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["job", "step"],
            update_fields=[*METRIC_FIELDS, "attempt", "recorded_at"],
        )
        latest, previous = job.latest_metrics, job.previous_metrics
        for p in points:
            newest_step = latest.get("step", -1) if latest else -1
            if p["step"] > newest_step:
                previous, latest = latest, snapshot(latest, p, now)
            elif p["step"] == newest_step:  # a retried point: rewrite, do not shift the trend
                latest = snapshot(previous, p, now)
        job.latest_metrics, job.previous_metrics = latest, previous
        changed += ["latest_metrics", "previous_metrics"]
        newest = points[-1]
        no_progress = progress is None or progress.get("step") is None
        if no_progress and newest["step"] > job.current_step:
            job.current_step = newest["step"]
            changed.append("current_step")
        rates = [p["tokens_per_second"] for p in points if p.get("tokens_per_second")]
        if rates:
            job.measured_tokens_per_second = rates[-1]
            changed.append("measured_tokens_per_second")
    if changed:
        job.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if points and job.stage == Stage.TRAINING:
        # The run's own measurement: the first sample of its combination (see estimates.py).
        sample_record_early(job, now=now)
    if warnings:
        events_append(job_id=job.pk, attempt=current.number, items=warnings)
    return IngestResult(stored=len(points), action=action_for(job))


def worker_events(events: list[dict[str, Any]]) -> list[EventIn]:
    """A worker's event reports as events to append; `seq` is the worker's per-attempt number."""
    return [
        EventIn(
            type=e["type"],
            message=e["message"],
            payload=e.get("payload") or {},
            created_at=e.get("created_at"),
            worker_seq=e["seq"],
        )
        for e in events
    ]


@transaction.atomic
def events_ingest(*, attempt: Attempt, events: list[dict[str, Any]]) -> IngestResult:
    """Append a worker's events; each carries the worker's per-attempt `seq`, so a retried
    batch stores nothing twice (unique per job, attempt and seq)."""
    job, current = lock_for_write(attempt=attempt)
    stored = events_append(job_id=job.pk, attempt=current.number, items=worker_events(events))
    decisions = [e["payload"]["sizing"] for e in events if is_sizing(e.get("payload"))]
    if decisions:  # the latest decision of the batch is the one in force
        job.micro_batching = decisions[-1]
        job.save(update_fields=["micro_batching", "updated_at"])
    return IngestResult(stored=len(stored), action=action_for(job))


def is_sizing(payload: Any) -> bool:
    """An event payload that carries the worker's micro-batch decision."""
    return isinstance(payload, dict) and isinstance(payload.get("sizing"), dict)
