"""A job's run as its worker reports it, on the jobs side: start, heartbeat, progress, stages,
checkpoints, stop (completed / paused / cancelled), failure; and `job_cancel_finalize`, the one
place a job ends `cancelled`.

The worker API (`backend/workerapi/services`) authenticates the attempt, locks the job row and
re-checks the attempt under that lock (`lock_for_write`), validates the request and picks the
reply; every function here takes that locked Job and its current Attempt and makes the writes
jobs own (status through `transition()`, progress fields, stage runs, checkpoint rows), handing
metric points and events to telemetry. Status changes go through `transition()` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from backend.common.errors import ApplicationError, Conflict
from backend.common.rows import row_update
from backend.jobs.budget_caps import job_budget_cap_check
from backend.jobs.estimates import sample_record_early, sample_record_final, sample_refresh_due
from backend.jobs.models import (
    Attempt,
    Checkpoint,
    ErrorCategory,
    Job,
    JobStatus,
    Stage,
    StageRun,
)
from backend.jobs.models.stage import StageState
from backend.jobs.pausing import pause_stopped
from backend.jobs.selectors import checkpoint_latest
from backend.jobs.transitions import transition
from backend.telemetry.selectors import metric_mean_tokens_per_second
from backend.telemetry.services import event_record, metric_points_truncate


def _active_stage_runs(job: Job) -> QuerySet[StageRun]:
    return StageRun.objects.filter(job_id=job.pk, state=StageState.ACTIVE, finished_at__isnull=True)


def job_cancel_finalize(
    job: Job,
    *,
    message: str,
    now: datetime | None = None,
    fields: Iterable[str] = (),
    payload: dict[str, Any] | None = None,
) -> None:
    """End a locked job as `cancelled`: the one place that outcome is written.

    Callers: a user cancelling a queued or paused job (`job_cancel`), a claim that finds the
    job being cancelled before it started, a worker that stopped on a cancel (`job_finish`) and
    the reaper when a cancelling job's worker vanished. `fields` are the job fields the caller
    set on the instance beforehand (saved together with the status); a stage still active ends
    now (it keeps its state: the bar shows where the job was stopped).
    """
    now = now or timezone.now()
    changed = transition(job, JobStatus.CANCELLED, now=now)
    job.save(update_fields=list(dict.fromkeys([*changed, *fields])))
    _active_stage_runs(job).update(finished_at=now)
    event_record(
        job=job,
        type="status",
        message=message,
        payload={"status": JobStatus.CANCELLED, **(payload or {})},
    )


def job_run_start(
    *, job: Job, attempt: Attempt, worker_host: str, now: datetime
) -> Checkpoint | None:
    """A claimed attempt starts: provisioning -> running from the latest checkpoint (returned).

    Metric points above the resume step are deleted (this attempt replays those steps, so the
    curve never mixes two runs) and the snapshot is rebuilt from what is left.
    """
    host = worker_host[:200]
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
    attempt.claimed_at = now
    attempt.worker_host = host
    attempt.resume_step = resume_step
    attempt.save(update_fields=["claimed_at", "worker_host", "resume_step"])
    message = f"Worker {host or 'unknown'} started attempt {attempt.number}"
    if checkpoint:
        message += f", resuming from the checkpoint at step {resume_step:,}"
    event_record(
        job=job,
        type="status",
        message=message,
        payload={
            "status": JobStatus.RUNNING,
            "attempt": attempt.number,
            "worker_host": host,
            "resume_step": resume_step,
            "replaced_metric_points": replaced,
        },
    )
    return checkpoint


# Worker progress field -> Job field.
_PROGRESS_FIELDS = (
    ("step", "current_step"),
    ("total_steps", "total_steps"),
    ("epoch", "current_epoch"),
    ("total_epochs", "total_epochs"),
)


def job_progress_apply(
    job: Job, progress: dict[str, Any] | None, substatus: str | None
) -> list[str]:
    """Copy a worker's progress snapshot onto the job; returns the changed field names."""
    changed: list[str] = []
    for source, key in _PROGRESS_FIELDS:
        value = (progress or {}).get(source)
        if value is not None and getattr(job, key) != value:
            setattr(job, key, value)
            changed.append(key)
    if substatus is not None and substatus != job.substatus:
        job.substatus = substatus[:300]
        changed.append("substatus")
    return changed


def job_heartbeat(
    *, job: Job, progress: dict[str, Any] | None, substatus: str | None, now: datetime
) -> None:
    """Record a heartbeat and its progress; `final_cost` is refreshed so sorting the job list
    by cost stays current while a job runs, and the job's own budget cap acts when this
    heartbeat's spend crosses it (budget_caps.py)."""
    job.heartbeat_at = now
    spent_before, job.final_cost = job.final_cost, job.spend_at(now)
    changed = ["heartbeat_at", "final_cost", *job_progress_apply(job, progress, substatus)]
    changed += job_budget_cap_check(job=job, spent_before=spent_before, now=now)
    job.save(update_fields=list(dict.fromkeys([*changed, "updated_at"])))


# What `job_metrics_progress` reads and writes of the job (with telemetry's snapshot fields).
METRICS_PROGRESS_FIELDS = (
    *(key for _, key in _PROGRESS_FIELDS),
    "substatus",
    "measured_tokens_per_second",
    "stage",
    "resume_step",
    "hyperparameters",
)


def job_metrics_progress(
    *,
    job: Job,
    points: list[dict[str, Any]],
    progress: dict[str, Any] | None,
    substatus: str | None,
    changed: list[str],
    now: datetime,
) -> None:
    """The job's side of a metric batch that telemetry just stored: progress, the step (from
    the newest point when the batch carries no progress) and the measured throughput, saved
    with `changed` (the snapshot fields telemetry moved); then the run's first estimator
    sample of its combination while it trains, refreshed as its steps move on (see
    estimates.py).

    The job may have been locked with only `METRICS_PROGRESS_FIELDS` loaded."""
    steps_before = job.current_step
    changed = [*changed, *job_progress_apply(job, progress, substatus)]
    points = sorted(points, key=lambda p: p["step"])
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
        # The report's hot path: one UPDATE written once, not the ORM's save (rows.py).
        row_update(job, [*changed, "updated_at"])
    if (
        points
        and job.stage == Stage.TRAINING
        and sample_refresh_due(job, steps_before=steps_before)
    ):
        # The sample reads most of the job (its combination, billing, estimate): load it whole,
        # under the lock this transaction already holds.
        sample_record_early(Job.objects.get(pk=job.pk), now=now)


def job_micro_batching_record(*, job: Job, decisions: list[dict[str, Any]]) -> None:
    """The worker's micro-batch decisions of a batch of events: the latest one is in force."""
    if decisions:
        job.micro_batching = decisions[-1]
        job.save(update_fields=["micro_batching", "updated_at"])


def _duration(run: StageRun) -> float | None:
    if run.started_at is None or run.finished_at is None:
        return None
    return max((run.finished_at - run.started_at).total_seconds(), 0.0)


def stage_run_update(
    *, job: Job, attempt: Attempt, stage: str, state: str, message: str, now: datetime
) -> StageRun:
    """Move one stage to active / completed / failed for this attempt.

    Idempotent: repeating the same (stage, state) within an attempt changes nothing and writes no
    second event, so a retried request is harmless. A later attempt restarts a stage (new
    started_at). Starting the training stage records when this attempt's steps began, so the
    measured step rate (for "time remaining") only counts steps this attempt ran.
    """
    run = StageRun.objects.get(job=job, stage=stage)
    label = Stage(stage).label
    job_changed: list[str] = []
    same = run.state == state and run.attempt == attempt.number
    if state == StageState.ACTIVE:
        if not same:
            run.state = StageState.ACTIVE
            run.started_at = now
            run.finished_at = None
            run.attempt = attempt.number
        run.substatus = message[:300]
        run.save(update_fields=["state", "started_at", "finished_at", "attempt", "substatus"])
        job.stage = stage
        job.substatus = (message or f"{label}…")[:300]
        job_changed += ["stage", "substatus"]
        if stage == Stage.TRAINING and not same:
            job.training_started_at = now
            job.resume_step = attempt.resume_step
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
                    "attempt": attempt.number,
                    "estimated_seconds": run.estimated_seconds,
                },
            )
        return run

    if same:
        return run
    run.state = state
    run.started_at = run.started_at if run.attempt == attempt.number and run.started_at else now
    run.finished_at = now
    run.attempt = attempt.number
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
            "attempt": attempt.number,
            "duration_seconds": round(took, 3) if took is not None else None,
            "estimated_seconds": run.estimated_seconds,
        },
    )
    return run


def _size_text(size: int) -> str:
    return f"{size / 1e6:.2f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def checkpoint_record(*, job: Job, attempt: Attempt, checkpoint: Checkpoint) -> list[str]:
    """Save a checkpoint row whose file is already stored, replacing the rows at its step.

    Returns the storage names of the replaced files (other than the new one's), for the caller
    to delete once this commits."""
    old = list(Checkpoint.objects.filter(job_id=job.pk, step=checkpoint.step))
    for row in old:
        row.delete()
    checkpoint.save()
    event_record(
        job=job,
        type="checkpoint",
        message=(
            f"Checkpoint saved at step {checkpoint.step:,} ({_size_text(checkpoint.size_bytes)})"
        ),
        payload={
            "step": checkpoint.step,
            "sha256": checkpoint.sha256,
            "size_bytes": checkpoint.size_bytes,
            "attempt": attempt.number,
            "metrics": checkpoint.metrics,
        },
    )
    return [str(row.file.name) for row in old if row.file.name != checkpoint.file.name]


def job_finish(
    *,
    job: Job,
    attempt: Attempt,
    stopped: str,
    result: dict[str, Any],
    final_metrics: dict[str, Any] | None,
    adapter: tuple[str, str, int] | None,
    now: datetime,
) -> Job:
    """The worker ended its attempt: `completed` with its stored adapter (name, sha256, size),
    or, when it stopped early on request, `paused` or `cancelled` (a user's cancel wins over a
    pause). Metrics, events and checkpoints are kept; a completed run becomes an estimator
    sample."""
    if stopped and job.status == JobStatus.CANCELLING:
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
    job.result = {**result, "final_metrics": final_metrics or {}}
    changed = ["result"]
    step = result.get("step")
    if isinstance(step, int) and step >= 0:
        job.current_step = step
        changed.append("current_step")
    # The estimator's history: the mean throughput of the logged training intervals (the
    # whole-run figure would also count data and model loading); the worker's figure otherwise.
    rate = metric_mean_tokens_per_second(job_id=job.pk) or result.get("tokens_per_second")
    if isinstance(rate, int | float) and rate > 0:
        job.measured_tokens_per_second = float(rate)
        changed.append("measured_tokens_per_second")
    if adapter is not None:
        job.adapter_file.name, job.adapter_sha256, job.adapter_size_bytes = adapter
        changed += ["adapter_file", "adapter_sha256", "adapter_size_bytes"]
    stopped_message = f"Worker stopped at step {job.current_step:,}; job {target}"
    if target == JobStatus.CANCELLED:
        job_cancel_finalize(job, message=stopped_message, now=now, fields=changed, payload=result)
        return job

    changed += transition(job, target, now=now)
    if target == JobStatus.COMPLETED:
        StageRun.objects.filter(job_id=job.pk).exclude(state=StageState.COMPLETED).filter(
            stage="finalization"
        ).update(state=StageState.COMPLETED, finished_at=now, attempt=attempt.number)
    else:
        job.substatus = "Paused"
        changed.append("substatus")
        pause_stopped(job=job, now=now, anomaly=result.get("anomaly"))
        _active_stage_runs(job).update(finished_at=now)
    job.save(update_fields=list(dict.fromkeys(changed)))
    if target == JobStatus.COMPLETED:
        # The estimator's history: this run's throughput and stage durations.
        sample_record_final(job)
        first, last = result.get("initial_val_loss"), result.get("final_val_loss")
        message = "Training completed"
        if isinstance(first, int | float) and isinstance(last, int | float):
            message += f": validation loss {first:.4f} → {last:.4f}"
    else:
        message = stopped_message
    event_record(job=job, type="status", message=message, payload={"status": target, **result})
    return job


def job_fail(
    *,
    job: Job,
    attempt: Attempt,
    category: str,
    message: str,
    step: int | None,
    stage: str,
    details: dict[str, Any] | None,
    now: datetime,
) -> Job:
    """End the job as `failed` with a category, a human message and the step it happened at;
    the stage it failed in (the worker's, else the job's current one) is marked failed."""
    failed_stage = stage or job.stage  # before transition() clears the job's stage
    changed = transition(job, JobStatus.FAILED, now=now)
    job.error_category = category
    job.error_message = message
    job.error_step = step
    changed += ["error_category", "error_message", "error_step"]
    job.save(update_fields=changed)
    if failed_stage:
        StageRun.objects.filter(job_id=job.pk, stage=failed_stage).update(
            state=StageState.FAILED, finished_at=now, attempt=attempt.number
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
