"""The jobs list as CSV: one row per job, the list's columns, the values the list shows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from backend.jobs.models import Job

JOB_CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "name",
    "status",
    "stage",
    "percent_complete",
    "created_by",
    "created_at",
    "started_at",
    "finished_at",
    "duration_seconds",
    "cost",
    "hourly_rate",
    "preset",
    "pricing",
    "gpu_type",
    "base_model",
    "current_step",
    "total_steps",
    "error_category",
    "cancel_reason",
    "cloned_from",
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def job_csv_row(job: Job, now: datetime) -> list[Any]:
    """The row of one job at `now` (duration and cost of unfinished jobs run up to it, as in the
    list's JSON: `duration_seconds`, `current_cost`)."""
    duration = None
    if job.started_at is not None:
        duration = round(((job.finished_at or now) - job.started_at).total_seconds(), 1)
    return [
        job.pk,
        job.name,
        job.status,
        job.stage or None,
        job.percent_complete,
        job.created_by.username,
        _iso(job.created_at),
        _iso(job.started_at),
        _iso(job.finished_at),
        duration,
        round(float(job.spend_at(now)), 4),
        float(job.hourly_rate),
        job.preset,
        job.pricing,
        job.gpu_type.slug,
        job.base_model,
        job.current_step,
        job.total_steps,
        job.error_category or None,
        job.cancel_reason or None,
        job.cloned_from_id,
    ]


def job_csv_rows(jobs: Iterable[Job], now: datetime) -> Iterator[list[Any]]:
    return (job_csv_row(job, now) for job in jobs)
