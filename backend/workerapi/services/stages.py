"""Stage transitions reported by a worker: the stage bar and its status events."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backend.jobs.models import Attempt, Stage, StageRun, StageState
from backend.telemetry.services import event_record
from backend.workerapi.services.common import lock_for_write


def _duration(run: StageRun) -> float | None:
    if run.started_at is None or run.finished_at is None:
        return None
    return max((run.finished_at - run.started_at).total_seconds(), 0.0)


@transaction.atomic
def stage_update(
    *,
    attempt: Attempt,
    stage: str,
    state: str,
    message: str = "",
    now: datetime | None = None,
) -> StageRun:
    """Move one stage to active / completed / failed for this attempt.

    Idempotent: repeating the same (stage, state) within an attempt changes nothing and writes no
    second event, so a retried request is harmless. A later attempt restarts a stage (new
    started_at). Starting the training stage records when this attempt's steps began, so the
    measured step rate (for "time remaining") only counts steps this attempt ran.
    """
    now = now or timezone.now()
    job, current = lock_for_write(attempt=attempt)
    run = StageRun.objects.get(job=job, stage=stage)
    label = Stage(stage).label
    job_changed: list[str] = []
    same = run.state == state and run.attempt == current.number
    if state == StageState.ACTIVE:
        if not same:
            run.state = StageState.ACTIVE
            run.started_at = now
            run.finished_at = None
            run.attempt = current.number
        run.substatus = message[:300]
        run.save(update_fields=["state", "started_at", "finished_at", "attempt", "substatus"])
        job.stage = stage
        job.substatus = (message or f"{label}…")[:300]
        job_changed += ["stage", "substatus"]
        if stage == Stage.TRAINING and not same:
            job.training_started_at = now
            job.resume_step = current.resume_step
            job_changed += ["training_started_at", "resume_step"]
        job.save(update_fields=[*job_changed, "updated_at"])
        if not same:
            event_record(
                job=job,
                type="status",
                message=f"{label} started",
                payload={
                    "stage": stage,
                    "state": state,
                    "attempt": current.number,
                    "estimated_seconds": run.estimated_seconds,
                },
            )
        return run

    if same:
        return run
    run.state = state
    run.started_at = run.started_at if run.attempt == current.number and run.started_at else now
    run.finished_at = now
    run.attempt = current.number
    if state == StageState.FAILED and message:
        run.substatus = message[:300]
    run.save(update_fields=["state", "started_at", "finished_at", "attempt", "substatus"])
    took = _duration(run)
    took_text = f" in {took:.1f}s" if took is not None else ""
    if state == StageState.COMPLETED:
        text = f"{label} completed{took_text}"
    else:
        text = f"{label} failed{took_text.replace(' in ', ' after ')}"
        if message:
            text += f": {message}"
    event_record(
        job=job,
        type="status",
        message=text,
        payload={
            "stage": stage,
            "state": state,
            "attempt": current.number,
            "duration_seconds": round(took, 3) if took is not None else None,
            "estimated_seconds": run.estimated_seconds,
        },
    )
    return run
