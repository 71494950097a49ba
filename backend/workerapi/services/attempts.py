"""An attempt's life as its worker reports it: claim, heartbeat, complete, fail.

The protocol side only: each call locks the job row and re-checks the attempt under the lock,
applies the fencing and slot-lease rules, and hands the job's writes to the jobs app
(`backend/jobs/lifecycle.py`) and the worker's events to telemetry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from backend.common.errors import Conflict
from backend.jobs.lifecycle import (
    job_cancel_finalize,
    job_fail,
    job_finish,
    job_heartbeat,
    job_run_start,
)
from backend.jobs.models import Attempt, Checkpoint, Job, JobStatus
from backend.jobs.transitions import lock_job
from backend.scheduling.services import fleet_claimed, slot_renew_for_job
from backend.telemetry.services import events_append, events_from_worker
from backend.workerapi.auth import check_attempt
from backend.workerapi.services.checkpoints import verify_sha256
from backend.workerapi.services.common import action_for, lock_for_write


@dataclass(frozen=True)
class ClaimResult:
    action: str  # "run" | "cancel"
    job: Job
    attempt: Attempt
    checkpoint: Checkpoint | None


@transaction.atomic
def attempt_claim(
    *,
    attempt: Attempt,
    worker_host: str,
    worker_name: str | None = None,
    worker_gpu_type: str | None = None,
    now: datetime | None = None,
) -> ClaimResult:
    """A worker takes its attempt: provisioning -> running, once.

    A second claim (a duplicate or redelivered Celery message) or a claim of a job that is not
    provisioning is a 409, so that message's worker exits without touching anything. A job
    cancelled while it waited for a worker ends `cancelled` here and the worker is told so.
    Steps above the resume point from older attempts are deleted: this attempt replays them.
    A worker of another GPU type than the job's is refused (409 `wrong_pool`).
    """
    now = now or timezone.now()
    # Lock: two deliveries of the same task claiming at once must not both start training.
    job = lock_job(attempt.job_id)
    current = Attempt.objects.get(pk=attempt.pk)
    current.job = job
    check_attempt(current, job_id=job.pk)
    if current.claimed_at is not None:
        raise Conflict("This attempt was already claimed by a worker.", code="already_claimed")
    if job.status == JobStatus.CANCELLING:
        job_cancel_finalize(
            job,
            message="Cancelled before training started",
            now=now,
            payload={"attempt": current.number},
        )
        return ClaimResult(action="cancel", job=job, attempt=current, checkpoint=None)
    if job.status != JobStatus.PROVISIONING:
        raise Conflict(f"The job is {job.status}, not provisioning.", code="not_claimable")
    if job.fence != current.fence or not slot_renew_for_job(job=job):
        # The dispatcher's lease ran out before a worker got here (the reaper will re-queue
        # the job): starting now would run a job that no longer holds a slot.
        raise Conflict("The slot lease of this attempt expired; stop.", code="stale_attempt")
    fleet_claimed(job=job, worker_name=worker_name, gpu_type=worker_gpu_type)
    checkpoint = job_run_start(job=job, attempt=current, worker_host=worker_host, now=now)
    return ClaimResult(action="run", job=job, attempt=current, checkpoint=checkpoint)


@transaction.atomic
def attempt_heartbeat(
    *,
    attempt: Attempt,
    progress: dict[str, Any] | None = None,
    substatus: str | None = None,
    now: datetime | None = None,
) -> str:
    """Renew the slot lease and tell the worker whether to continue, cancel or pause (a job's
    own budget cap acts here: backend/jobs/budget_caps.py, via job_heartbeat).

    A lease that cannot be renewed (expired, maybe already given to another job) is a 409:
    the worker must stop before it writes into a slot it no longer holds.
    """
    now = now or timezone.now()
    job, current = lock_for_write(attempt=attempt)
    if job.fence != current.fence or not slot_renew_for_job(job=job):
        raise Conflict("The slot lease of this attempt expired; stop.", code="stale_attempt")
    job_heartbeat(job=job, progress=progress, substatus=substatus, now=now)
    return action_for(job)


def attempt_complete(
    *,
    attempt: Attempt,
    stopped: str = "",
    result: dict[str, Any] | None = None,
    final_metrics: dict[str, Any] | None = None,
    adapter: UploadedFile | None = None,
    adapter_sha256: str = "",
    now: datetime | None = None,
) -> Job:
    """End the attempt: `completed` with the verified adapter, or `cancelled` / `paused` when
    the worker stopped early on request (see `job_finish`).

    The adapter is verified and stored before the job row is locked (a large file must not hold
    the lock); if the status change is refused, the stored file is removed again.
    """
    now = now or timezone.now()
    stored: tuple[str, str, int] | None = None
    job = attempt.job
    if adapter is not None:
        verify_sha256(adapter, adapter_sha256, field="adapter_sha256")
        job.adapter_file.save(f"{job.pk}.tar.gz", adapter, save=False)
        stored = (str(job.adapter_file.name), adapter_sha256.lower(), adapter.size or 0)
    try:
        with transaction.atomic():
            # Lock: a user's cancel and this completion must not both decide the final status.
            locked, current = lock_for_write(attempt=attempt)
            return job_finish(
                job=locked,
                attempt=current,
                stopped=stopped,
                result=result or {},
                final_metrics=final_metrics,
                adapter=stored,
                now=now,
            )
    except BaseException:
        if stored is not None:
            job.adapter_file.storage.delete(stored[0])
        raise


@transaction.atomic
def attempt_fail(
    *,
    attempt: Attempt,
    category: str,
    message: str,
    step: int | None = None,
    stage: str = "",
    details: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Job:
    """End the attempt as `failed` (see `job_fail`); the worker's last events (which may not
    have been flushed yet) are stored first."""
    now = now or timezone.now()
    # Lock: a user's cancel or the reaper's re-queue racing this failure.
    job, current = lock_for_write(attempt=attempt)
    if events:
        events_append(job_id=job.pk, attempt=current.number, items=events_from_worker(events))
    return job_fail(
        job=job,
        attempt=current,
        category=category,
        message=message,
        step=step,
        stage=stage,
        details=details,
        now=now,
    )
