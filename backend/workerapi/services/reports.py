"""Metric and event batches from a worker: fenced, then handed to telemetry (which owns the
points, the events and the latest-metrics snapshot); the job's progress is updated here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.jobs.estimates import sample_record_early
from backend.jobs.models import Attempt, Stage
from backend.telemetry.logs import LineIn, LinesStored, log_lines_append
from backend.telemetry.services import events_append, events_from_worker, metric_points_upsert
from backend.workerapi.services.common import action_for, apply_progress, lock_for_write


@dataclass(frozen=True)
class IngestResult:
    stored: int
    action: str


@transaction.atomic
def metrics_ingest(
    *,
    attempt: Attempt,
    points: list[dict[str, Any]],
    progress: dict[str, Any] | None = None,
    substatus: str | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Upsert a batch of metric points (unique per job and step) and refresh the job's snapshot.

    A retried batch rewrites the same rows. Points of older attempts above this attempt's resume
    step were deleted at claim, so the curve never mixes two runs. Loss-spike warnings are the
    worker's (it sends them as events).
    """
    now = now or timezone.now()
    job, current = lock_for_write(attempt=attempt)
    points = sorted(points, key=lambda p: p["step"])
    changed = apply_progress(job, progress, substatus)
    changed += metric_points_upsert(job=job, attempt=current.number, points=points, now=now)
    if points:
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
    return IngestResult(stored=len(points), action=action_for(job))


@transaction.atomic
def events_ingest(*, attempt: Attempt, events: list[dict[str, Any]]) -> IngestResult:
    """Append a worker's events; each carries the worker's per-attempt `seq`, so a retried
    batch stores nothing twice (unique per job, attempt and seq)."""
    job, current = lock_for_write(attempt=attempt)
    stored = events_append(job_id=job.pk, attempt=current.number, items=events_from_worker(events))
    decisions = [e["payload"]["sizing"] for e in events if is_sizing(e.get("payload"))]
    if decisions:  # the latest decision of the batch is the one in force
        job.micro_batching = decisions[-1]
        job.save(update_fields=["micro_batching", "updated_at"])
    return IngestResult(stored=len(stored), action=action_for(job))


def is_sizing(payload: Any) -> bool:
    """An event payload that carries the worker's micro-batch decision."""
    return isinstance(payload, dict) and isinstance(payload.get("sizing"), dict)


@transaction.atomic
def log_lines_ingest(
    *, attempt: Attempt, lines: list[dict[str, Any]], now: datetime | None = None
) -> tuple[LinesStored, str]:
    """Store a batch of the worker's own log lines (see backend/telemetry/logs.py).

    The job row stays locked until commit: line ids (the Logs tab's cursor) then grow in commit
    order, so a reader polling "after id" never misses a line of a batch that committed late.
    """
    job, current = lock_for_write(attempt=attempt)
    result = log_lines_append(
        job_id=job.pk,
        attempt=current.number,
        lines=[LineIn(**line) for line in lines],
        now=now,
    )
    return result, action_for(job)
