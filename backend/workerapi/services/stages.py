"""Stage transitions reported by a worker: fenced here, recorded by the jobs app (the stage
bar and its status events, `backend/jobs/lifecycle.py`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backend.jobs.lifecycle import stage_run_update
from backend.jobs.models import Attempt, StageRun
from backend.workerapi.services.common import lock_for_write


@transaction.atomic
def stage_update(
    *,
    attempt: Attempt,
    stage: str,
    state: str,
    message: str = "",
    now: datetime | None = None,
) -> StageRun:
    """Move one stage to active / completed / failed for this attempt (idempotent per attempt,
    see `stage_run_update`)."""
    now = now or timezone.now()
    job, current = lock_for_write(attempt=attempt)
    return stage_run_update(
        job=job, attempt=current, stage=stage, state=state, message=message, now=now
    )
