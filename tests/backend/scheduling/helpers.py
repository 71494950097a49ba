"""Helpers for the scheduling tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from backend.jobs.models import Job
from backend.jobs.transitions import lock_job, transition
from backend.scheduling.models import SchedulerSettings


def set_limits(*, concurrency_limit: int = 3, max_restarts: int = 3) -> None:
    SchedulerSettings.objects.update_or_create(
        pk=1, defaults={"concurrency_limit": concurrency_limit, "max_restarts": max_restarts}
    )


@transaction.atomic
def move(job: Job, to: str, *, now: datetime | None = None, **fields: Any) -> Job:
    """Change a job's status the way services do (locked row, transition, partial save)."""
    locked = lock_job(job.pk)
    changed = transition(locked, to, now=now)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*changed, *fields])
    return locked


def statuses() -> dict[str, int]:
    out: dict[str, int] = {}
    for status in Job.objects.values_list("status", flat=True):
        out[status] = out.get(status, 0) + 1
    return out
