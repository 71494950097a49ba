"""Pause and resume (FR2.2.2): the services, and what the resume modal shows.

A pause is asked for (`job_pause`, by a person or by the system: anomaly, budget cap); the job
keeps running until its worker reaches the next step boundary, finishes any checkpoint upload
under way, saves and uploads a checkpoint and reports `stopped="pause"` (`pause_stopped`). The
job is then `paused`: no slot, no GPU, no billing. `job_resume` puts it back in the queue,
optionally on another GPU type and with changed hyperparameters (those that keep the data order
and the step count); its next attempt resumes from the newest checkpoint.

Every request is answered: refused at once with the reason (queued, finalizing, finished), or
recorded as a JobPause that ends `paused`, or `not_applied` with a note when the job finished
first (transitions settle those).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from backend.accounts.models import User
from backend.common.errors import ApplicationError, Conflict
from backend.common.types import JobId
from backend.jobs.estimates import Estimate, estimate_job
from backend.jobs.models import (
    FINISHED_STATUSES,
    GpuType,
    Job,
    JobPause,
    JobStatus,
    PauseSource,
    PauseState,
    Stage,
)
from backend.jobs.selectors import checkpoint_latest_step
from backend.jobs.transitions import lock_job, transition
from backend.scheduling.fleet import live_since
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.priorities import queue_order_for
from backend.telemetry.services import event_record
from worker.contract.hyperparameters import RESUME_LOCKED_FIELDS, check_hyperparameters
from worker.contract.names import ANOMALY_LR_FACTOR

_QUANT = Decimal("0.0001")


def _open_pause(job: Job, *states: str) -> JobPause | None:
    return job.pauses.filter(state__in=states).order_by("-number").first()


def _next_number(job: Job) -> int:
    last = job.pauses.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def job_pause(
    *,
    job_id: JobId,
    user: User | None = None,
    source: str = PauseSource.USER,
    reason: str = "",
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Job:
    """Ask a running job to pause at its next step boundary.

    `user` is the person asking (permissions are the caller's: creator or manager); system
    callers pass `user=None` with their `source` (`budget`, `system`) and a human `reason`.
    Repeating the request while one is pending, or on a paused job, changes nothing. Refused
    (409) for a queued or starting job (cancel it instead), while finalizing (training is over,
    the job completes in moments), while cancelling and once finished.
    """
    now = now or timezone.now()
    # Lock: the worker completing (or stopping for a cancel) must see the request or refuse it.
    job = lock_job(job_id)
    if job.status == JobStatus.PAUSED or (
        job.status == JobStatus.RUNNING and job.pause_requested_at is not None
    ):
        return job
    if job.status == JobStatus.QUEUED:
        raise Conflict(
            "A queued job has nothing to pause: cancel it instead.", code="invalid_state"
        )
    if job.status == JobStatus.PROVISIONING:
        raise Conflict(
            "The job is waiting for its worker; it can be paused once it runs (or cancel it).",
            code="invalid_state",
        )
    if job.status == JobStatus.CANCELLING:
        raise Conflict("The job is being cancelled; it cannot be paused.", code="invalid_state")
    if job.status in FINISHED_STATUSES:
        raise Conflict(f"The job already {job.status}; there is nothing to pause.")
    if job.stage == Stage.FINALIZATION:
        raise Conflict(
            "Training has finished and the adapter is being saved: the job completes in "
            "moments and can no longer be paused.",
            code="finalizing",
        )
    who = user.display_name if user is not None else PauseSource(source).label
    text = reason or (f"Paused by {who}" if user is not None else f"Paused: {who}")
    pause = JobPause.objects.create(
        job=job,
        number=_next_number(job),
        source=source,
        state=PauseState.REQUESTED,
        reason=text[:500],
        details=details or {},
        requested_by=user,
        requested_at=now,
    )
    job.pause_requested_at = now
    job.substatus = "Pausing at the next step boundary"
    job.save(update_fields=["pause_requested_at", "substatus", "updated_at"])
    event_record(
        job=job,
        type="status",
        message=f"Pause requested by {who} at step {job.current_step:,}; the worker saves a "
        "checkpoint at its next step boundary",
        payload={"pause": pause.number, "source": source, "reason": text},
    )
    return job


def pause_stopped(*, job: Job, now: datetime, anomaly: dict[str, Any] | None = None) -> JobPause:
    """Record that the worker stopped and the locked `job` is now `paused`.

    Completes the pending request; a worker that paused on its own (an anomaly) gets its pause
    recorded here, with the anomaly's details and suggestion for the job page.
    """
    step = checkpoint_latest_step(job_id=job.pk)
    pause = _open_pause(job, PauseState.REQUESTED)
    if pause is None:
        source = PauseSource.ANOMALY if anomaly else PauseSource.SYSTEM
        reason = anomaly_reason(anomaly) if anomaly else "Paused by its worker"
        if anomaly:
            anomaly = {**anomaly, "suggestion": anomaly_suggestion(job, step)}
        pause = JobPause(
            job=job,
            number=_next_number(job),
            source=source,
            reason=reason[:500],
            details={"anomaly": anomaly} if anomaly else {},
            requested_at=now,
        )
    pause.state = PauseState.PAUSED
    pause.paused_at = now
    pause.step = step
    pause.spend = job.spend_at(now)
    pause.active_seconds = job.billed_seconds_at(now)
    pause.save()
    job.pause_requested_at = None
    job.save(update_fields=["pause_requested_at"])
    if anomaly:
        event_record(
            job=job,
            type="warning",
            message=f"Auto-paused: {pause.reason}; resumes from the checkpoint at step {step:,}",
            payload={"pause": pause.number, "anomaly": anomaly},
        )
    return pause


def anomaly_reason(anomaly: dict[str, Any]) -> str:
    """The card's headline: "Loss x4.1 at step 1,240; learning rate 5e-4"."""
    step = anomaly.get("step")
    lr = anomaly.get("learning_rate")
    at = f" at step {step:,}" if isinstance(step, int) else ""
    lr_text = f"; learning rate {lr:.3g}" if isinstance(lr, int | float) else ""
    if anomaly.get("kind") == "loss_spike" and isinstance(anomaly.get("ratio"), int | float):
        return f"Loss \N{MULTIPLICATION SIGN}{anomaly['ratio']:.1f}{at}{lr_text}"
    return f"Loss became NaN/inf{at}{lr_text}"


def anomaly_suggestion(job: Job, step: int) -> dict[str, Any] | None:
    """The fix the anomaly card offers: resume from the last good checkpoint with the learning
    rate scaled by the contract's factor (half)."""
    lr = job.hyperparameters.get("learning_rate")
    if not isinstance(lr, int | float) or isinstance(lr, bool):
        return None
    new_lr = float(f"{lr * ANOMALY_LR_FACTOR:.6g}")
    part = "half" if ANOMALY_LR_FACTOR == 0.5 else f"{ANOMALY_LR_FACTOR:g}\N{MULTIPLICATION SIGN}"
    return {
        "resume_step": step,
        "hyperparameters": {"learning_rate": new_lr},
        "text": f"Resume from step {step:,} with {part} the learning rate ({lr:.3g} → "
        f"{new_lr:.3g})",
    }


def _check_overrides(job: Job, overrides: dict[str, Any]) -> dict[str, Any]:
    locked = sorted(set(overrides) & set(RESUME_LOCKED_FIELDS))
    values, errors = check_hyperparameters(overrides)
    for name in locked:
        errors[name] = "cannot change on resume (it changes the data order or the adapter)"
    if errors:
        raise ApplicationError(
            "These hyperparameters cannot be used to resume.",
            code="validation_error",
            fields={f"hyperparameters.{k}": [v] for k, v in errors.items()},
        )
    return values


@transaction.atomic
def job_resume(
    *,
    job_id: JobId,
    user: User,
    gpu_type: GpuType | None = None,
    hyperparameters: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> Job:
    """Put a paused job back in the queue; its next attempt resumes from the newest checkpoint.

    `gpu_type`: another type to run on (the rest is billed at its rate, from the same pricing;
    the time billed so far keeps its price). `hyperparameters`: values to change from here on,
    e.g. the anomaly suggestion's halved learning rate; fields that change the data order, the
    step count or the adapter's shape are refused. Only a paused job resumes (409 otherwise).
    """
    now = now or timezone.now()
    # Lock: a cancel of the paused job and this resume must not both win.
    job = lock_job(job_id)
    if job.status != JobStatus.PAUSED:
        raise Conflict(f"Only a paused job can resume; this one is {job.status}.")
    values = _check_overrides(job, hyperparameters or {})
    changes = {
        k: [job.hyperparameters.get(k), v]
        for k, v in values.items()
        if job.hyperparameters.get(k) != v
    }
    pause = _open_pause(job, PauseState.PAUSED)
    changed = transition(job, JobStatus.QUEUED, now=now)  # closes the pause (see transitions)
    # Back in the queue behind the jobs already waiting, with its priority's head start.
    job.queue_order = queue_order_for(
        queued_at=now,
        priority=job.priority,
        ageing_seconds=SchedulerSettings.load().priority_ageing_seconds,
    )
    job.substatus = ""
    changed += ["queue_order", "substatus"]
    if changes:
        job.hyperparameters = {**job.hyperparameters, **{k: v[1] for k, v in changes.items()}}
        changed.append("hyperparameters")
    switched = gpu_type is not None and gpu_type.pk != job.gpu_type_id
    if gpu_type is not None and switched:
        # The seconds billed so far keep the old rate; the rest is billed at the new one.
        job.spend_before_rate = job.spend_at(now)
        job.seconds_before_rate = job.billed_seconds_at(now)
        old_name = job.gpu_type.name
        job.gpu_type = gpu_type
        job.hourly_rate = gpu_type.hourly_rate(job.pricing)
        changed += ["spend_before_rate", "seconds_before_rate", "gpu_type", "hourly_rate"]
    remaining = resume_estimate(job=job, gpu_type=job.gpu_type)
    if remaining is not None:
        spent = job.spend_at(now)
        job.est_cost_min = (spent + remaining.cost_min).quantize(_QUANT)
        job.est_cost_max = (spent + remaining.cost_max).quantize(_QUANT)
        job.est_duration_seconds = job.billed_seconds_at(now) + remaining.duration_seconds
        changed += ["est_cost_min", "est_cost_max", "est_duration_seconds"]
    job.save(update_fields=list(dict.fromkeys(changed)))
    if pause is not None:
        pause.refresh_from_db()
        pause.resumed_by = user
        pause.resume_gpu_type = job.gpu_type if switched else None
        pause.resume_changes = changes
        pause.save(update_fields=["resumed_by", "resume_gpu_type", "resume_changes"])
    step = checkpoint_latest_step(job_id=job.pk)
    message = f"Resumed by {user.display_name} from step {step:,}"
    if switched:
        message += f" on {job.gpu_type.name} (was {old_name})"
    if changes:
        message += "; " + ", ".join(f"{k} {v[0]} → {v[1]}" for k, v in changes.items())
    event_record(
        job=job,
        type="status",
        message=message,
        payload={
            "status": JobStatus.QUEUED,
            "pause": pause.number if pause else None,
            "resume_step": step,
            "gpu_type": job.gpu_type.slug,
            "changes": changes,
        },
    )
    return job


@dataclass(frozen=True)
class Remaining:
    """What is left of a paused job on one GPU type: time and cost from its checkpoint on."""

    duration_seconds: float
    cost_min: Decimal
    cost_max: Decimal
    basis: str


def resume_estimate(*, job: Job, gpu_type: GpuType) -> Remaining | None:
    """The rest of the job from its newest checkpoint on `gpu_type`: data preparation and
    model loading again, the training steps left, finalization. None without an estimate (no
    prior for the type, or the dataset is gone)."""
    if job.dataset is None:
        return None
    estimate: Estimate | None = estimate_job(
        dataset=job.dataset,
        validation_dataset=job.validation_dataset,
        base_model=job.base_model,
        hyperparameters=job.hyperparameters,
        gpu_type=gpu_type,
        pricing=job.pricing,
    )
    if estimate is None or not estimate.total_steps:
        return None
    done = min(checkpoint_latest_step(job_id=job.pk), estimate.total_steps)
    left_fraction = (estimate.total_steps - done) / estimate.total_steps
    training = estimate.stage_seconds.get(Stage.TRAINING, 0.0)
    duration = estimate.duration_seconds - training * (1 - left_fraction)
    scale = Decimal(str(duration / estimate.duration_seconds)) if estimate.duration_seconds else 0
    return Remaining(
        duration_seconds=duration,
        cost_min=(estimate.cost_min * scale).quantize(_QUANT),
        cost_max=(estimate.cost_max * scale).quantize(_QUANT),
        basis=estimate.basis,
    )


def paused_seconds(job: Job, now: datetime) -> float:
    """Time the job spent paused (never billed): each pause from its stop to its resume or
    cancel, the current one up to now."""
    total = 0.0
    for pause in job.pauses.all():
        if pause.paused_at is None:
            continue
        end = pause.ended_at or now
        total += max((end - pause.paused_at).total_seconds(), 0.0)
    return total


def resume_options(*, job: Job, now: datetime | None = None) -> dict[str, Any]:
    """What the resume modal shows: the checkpoint it resumes from, the configuration, and for
    each active GPU type the time and cost left with the warnings that apply."""
    now = now or timezone.now()
    step = checkpoint_latest_step(job_id=job.pk)
    pause = job.pauses.filter(state=PauseState.PAUSED).order_by("-number").first()
    anomaly = pause.details.get("anomaly") if pause is not None else None
    suggestion = anomaly.get("suggestion") if isinstance(anomaly, dict) else None
    types = GpuType.objects.filter(is_active=True).annotate(
        live=Count("workers", filter=Q(workers__last_seen_at__gt=live_since()))
    )
    options = []
    for gpu in types:  # the catalog order
        current = gpu.pk == job.gpu_type_id
        remaining = resume_estimate(job=job, gpu_type=gpu)
        warnings = []
        if step == 0:
            warnings.append(
                "No checkpoint was saved before the pause: training starts again from step 0."
            )
        if not current:
            warnings.append(
                f"Numerics differ slightly between {job.gpu_type.name} and {gpu.name}: the "
                "adapter will not be bit-identical to a run on one type, and the micro-batch "
                "size is measured again on the new card."
            )
        if gpu.live == 0:  # type: ignore[attr-defined]
            warnings.append(
                f"No {gpu.name} worker is online: the job waits in the queue until one registers."
            )
        if remaining is None:
            warnings.append(f"No estimate for {gpu.name} yet (no run on it and no prior).")
        options.append(
            {
                "gpu_type": gpu,
                "current": current,
                "hourly_rate": float(gpu.hourly_rate(job.pricing)),
                "live_workers": gpu.live,  # type: ignore[attr-defined]
                "duration_seconds": remaining.duration_seconds if remaining else None,
                "cost_min": float(remaining.cost_min) if remaining else None,
                "cost_max": float(remaining.cost_max) if remaining else None,
                "basis": remaining.basis if remaining else "",
                "warnings": warnings,
            }
        )
    return {
        "resume_step": step,
        "total_steps": job.total_steps,
        "spend_so_far": float(job.spend_at(now)),
        "pricing": job.pricing,
        "hyperparameters": job.hyperparameters,
        "suggestion": suggestion,
        "options": options,
    }
