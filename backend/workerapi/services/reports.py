"""Metric and event batches from a worker: fenced, then handed to the owning apps — telemetry
stores the points, the events and the latest-metrics snapshot; jobs records the job's progress,
throughput and micro-batch decision (`backend/jobs/lifecycle.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.jobs.lifecycle import (
    METRICS_PROGRESS_FIELDS,
    job_metrics_progress,
    job_micro_batching_record,
)
from backend.jobs.models import Attempt
from backend.telemetry.logs import LineIn, LinesStored, log_lines_append
from backend.telemetry.services import (
    SNAPSHOT_FIELDS,
    events_append,
    events_from_worker,
    metric_points_upsert,
)
from backend.workerapi.services.common import action_for, lock_for_write

# The job columns a metric report reads and writes (the rest of the row is not loaded).
_METRICS_FIELDS = (*METRICS_PROGRESS_FIELDS, *SNAPSHOT_FIELDS)


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
    job, current = lock_for_write(attempt=attempt, fields=_METRICS_FIELDS)
    changed = metric_points_upsert(job=job, attempt=current.number, points=points, now=now)
    job_metrics_progress(
        job=job, points=points, progress=progress, substatus=substatus, changed=changed, now=now
    )
    return IngestResult(stored=len(points), action=action_for(job))


@transaction.atomic
def events_ingest(*, attempt: Attempt, events: list[dict[str, Any]]) -> IngestResult:
    """Append a worker's events; each carries the worker's per-attempt `seq`, so a retried
    batch stores nothing twice (unique per job, attempt and seq)."""
    job, current = lock_for_write(attempt=attempt, fields=["micro_batching"])
    stored = events_append(job_id=job.pk, attempt=current.number, items=events_from_worker(events))
    decisions = [e["payload"]["sizing"] for e in events if is_sizing(e.get("payload"))]
    job_micro_batching_record(job=job, decisions=decisions)
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
