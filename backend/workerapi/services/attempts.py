"""An attempt's life as its worker reports it: claim, heartbeat, complete, fail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from backend.common.errors import ApplicationError, Conflict
from backend.jobs.budget_caps import job_budget_cap_check
from backend.jobs.estimates import sample_record_final
from backend.jobs.models import Attempt, Checkpoint, ErrorCategory, Job, JobStatus, StageRun
from backend.jobs.models.stage import StageState
from backend.jobs.selectors import checkpoint_latest
from backend.jobs.transitions import lock_job, transition
from backend.scheduling.services import fleet_claimed, slot_renew_for_job
from backend.telemetry.models import MetricPoint
from backend.telemetry.services import (
    event_record,
    events_append,
    events_from_worker,
    metric_points_truncate,
)
from backend.workerapi.auth import check_attempt
from backend.workerapi.services.checkpoints import verify_sha256
from backend.workerapi.services.common import action_for, apply_progress, lock_for_write


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
    host = worker_host[:200]
    if job.status == JobStatus.CANCELLING:
        changed = transition(job, JobStatus.CANCELLED, now=now)
        job.save(update_fields=changed)
        event_record(
            job=job,
            type="status",
            message="Cancelled before training started",
            payload={"status": JobStatus.CANCELLED, "attempt": current.number},
        )
        return ClaimResult(action="cancel", job=job, attempt=current, checkpoint=None)
    if job.status != JobStatus.PROVISIONING:
        raise Conflict(f"The job is {job.status}, not provisioning.", code="not_claimable")
    if job.fence != current.fence or not slot_renew_for_job(job=job):
        # The dispatcher's lease ran out before a worker got here (the reaper will re-queue
        # the job): starting now would run a job that no longer holds a slot.
        raise Conflict("The slot lease of this attempt expired; stop.", code="stale_attempt")
    fleet_claimed(job=job, worker_name=worker_name, gpu_type=worker_gpu_type)

    checkpoint = checkpoint_latest(job_id=job.pk)
    resume_step = checkpoint.step if checkpoint else 0
    replaced = metric_points_truncate(job=job, above_step=resume_step)
    changed = transition(job, JobStatus.RUNNING, now=now)
    job.worker_host = host
    job.heartbeat_at = now
    job.resume_step = resume_step
    job.current_step = resume_step
    job.substatus = f"Worker started on {host}" if host else "Worker started"
    changed += ["worker_host", "heartbeat_at", "resume_step", "current_step", "substatus"]
    if job.recovering:  # set by the reaper when the previous attempt was lost
        job.recovering = False
        changed.append("recovering")
    if replaced:  # the snapshot was rebuilt from the points that are left
        changed += ["latest_metrics", "previous_metrics"]
    job.save(update_fields=changed)
    current.claimed_at = now
    current.worker_host = host
    current.resume_step = resume_step
    current.save(update_fields=["claimed_at", "worker_host", "resume_step"])
    message = f"Worker {host or 'unknown'} started attempt {current.number}"
    if checkpoint:
        message += f", resuming from the checkpoint at step {resume_step:,}"
    event_record(
        job=job,
        type="status",
        message=message,
        payload={
            "status": JobStatus.RUNNING,
            "attempt": current.number,
            "worker_host": host,
            "resume_step": resume_step,
            "replaced_metric_points": replaced,
        },
    )
    return ClaimResult(action="run", job=job, attempt=current, checkpoint=checkpoint)


@transaction.atomic
def attempt_heartbeat(
    *,
    attempt: Attempt,
    progress: dict[str, Any] | None = None,
    substatus: str | None = None,
    now: datetime | None = None,
) -> str:
    """Renew the slot lease and tell the worker whether to continue, cancel or pause.

    Also where a job's own budget cap acts (backend/jobs/budget_caps.py).

    Refreshes `final_cost` so sorting the job list by cost stays current while a job runs.
    A lease that cannot be renewed (expired, maybe already given to another job) is a 409:
    the worker must stop before it writes into a slot it no longer holds.
    """
    now = now or timezone.now()
    job, current = lock_for_write(attempt=attempt)
    if job.fence != current.fence or not slot_renew_for_job(job=job):
        raise Conflict("The slot lease of this attempt expired; stop.", code="stale_attempt")
    job.heartbeat_at = now
    spent_before, job.final_cost = job.final_cost, job.spend_at(now)
    changed = ["heartbeat_at", "final_cost", *apply_progress(job, progress, substatus)]
    changed += job_budget_cap_check(job=job, spent_before=spent_before, now=now)
    job.save(update_fields=list(dict.fromkeys([*changed, "updated_at"])))
    return action_for(job)


def _store_adapter(job: Job, file: UploadedFile, sha256: str) -> str:
    verify_sha256(file, sha256, field="adapter_sha256")
    job.adapter_file.save(f"{job.pk}.tar.gz", file, save=False)
    return str(job.adapter_file.name)


@transaction.atomic
def _finish(
    *,
    attempt: Attempt,
    stopped: str,
    result: dict[str, Any],
    final_metrics: dict[str, Any] | None,
    adapter: tuple[str, str, int] | None,
    now: datetime,
) -> Job:
    # Lock: a user's cancel and this completion must not both decide the final status.
    job, current = lock_for_write(attempt=attempt)
    if stopped and job.status == JobStatus.CANCELLING:
        # Cancelled while stopping for any reason (a pause included): the user's cancel wins.
        target = JobStatus.CANCELLED
    elif stopped == "cancel":
        raise Conflict("Only a job being cancelled may stop early.", code="invalid_state")
    elif stopped == "pause":
        target = JobStatus.PAUSED
    else:
        if adapter is None:
            raise ApplicationError(
                "A completed job needs its adapter.",
                fields={"adapter": ["This field is required."]},
            )
        target = JobStatus.COMPLETED
    changed = transition(job, target, now=now)
    job.result = {**result, "final_metrics": final_metrics or {}}
    changed.append("result")
    step = result.get("step")
    if isinstance(step, int) and step >= 0:
        job.current_step = step
        changed.append("current_step")
    # The estimator's history: the mean throughput of the logged training intervals (the
    # whole-run figure would also count data and model loading); the worker's figure otherwise.
    rate = MetricPoint.objects.filter(job_id=job.pk, tokens_per_second__gt=0).aggregate(
        mean=Avg("tokens_per_second")
    )["mean"] or result.get("tokens_per_second")
    if isinstance(rate, int | float) and rate > 0:
        job.measured_tokens_per_second = float(rate)
        changed.append("measured_tokens_per_second")
    if adapter is not None:
        job.adapter_file.name, job.adapter_sha256, job.adapter_size_bytes = adapter
        changed += ["adapter_file", "adapter_sha256", "adapter_size_bytes"]
    if target == JobStatus.COMPLETED:
        StageRun.objects.filter(job_id=job.pk).exclude(state=StageState.COMPLETED).filter(
            stage="finalization"
        ).update(state=StageState.COMPLETED, finished_at=now, attempt=current.number)
    else:
        if target == JobStatus.PAUSED:  # cancelled: transition() cleared it
            job.substatus = "Paused"
            changed.append("substatus")
        StageRun.objects.filter(
            job_id=job.pk, state=StageState.ACTIVE, finished_at__isnull=True
        ).update(finished_at=now)
    job.save(update_fields=list(dict.fromkeys(changed)))
    if target == JobStatus.COMPLETED:
        # The estimator's history: this run's throughput and stage durations.
        sample_record_final(job)
        first, last = result.get("initial_val_loss"), result.get("final_val_loss")
        message = "Training completed"
        if isinstance(first, int | float) and isinstance(last, int | float):
            message += f": validation loss {first:.4f} → {last:.4f}"
    else:
        message = f"Worker stopped at step {job.current_step:,}; job {target}"
    event_record(job=job, type="status", message=message, payload={"status": target, **result})
    return job


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
    the worker stopped early on request (metrics, events and checkpoints are kept).

    The adapter is verified and stored before the job row is locked (a large file must not hold
    the lock); if the status change is refused, the stored file is removed again.
    """
    now = now or timezone.now()
    stored: tuple[str, str, int] | None = None
    job = attempt.job
    if adapter is not None:
        name = _store_adapter(job, adapter, adapter_sha256)
        stored = (name, adapter_sha256.lower(), adapter.size or 0)
    try:
        return _finish(
            attempt=attempt,
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
    """End the attempt as `failed` with a category, a human message and the step it happened
    at; the worker's last events (which may not have been flushed yet) are stored first."""
    now = now or timezone.now()
    # Lock: a user's cancel or the reaper's re-queue racing this failure.
    job, current = lock_for_write(attempt=attempt)
    if events:
        events_append(job_id=job.pk, attempt=current.number, items=events_from_worker(events))
    failed_stage = stage or job.stage  # before transition() clears the job's stage
    changed = transition(job, JobStatus.FAILED, now=now)
    job.error_category = category
    job.error_message = message
    job.error_step = step
    changed += ["error_category", "error_message", "error_step"]
    job.save(update_fields=changed)
    if failed_stage:
        StageRun.objects.filter(job_id=job.pk, stage=failed_stage).update(
            state=StageState.FAILED, finished_at=now, attempt=current.number
        )
    where = f" at step {step:,}" if step is not None else ""
    event_record(
        job=job,
        type="error",
        message=f"{ErrorCategory(category).label}{where}: {message}"[:1000],
        payload={
            "category": category,
            "step": step,
            "stage": failed_stage,
            "details": details or {},
        },
    )
    return job
