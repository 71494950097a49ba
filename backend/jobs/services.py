"""Business rules for jobs as users see them: create, cancel, delete."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.common.errors import ApplicationError, Conflict
from backend.common.types import JobId
from backend.datasets.models import Dataset
from backend.jobs.cancelling import cancel_request_record
from backend.jobs.estimates import estimate_job, job_plan
from backend.jobs.lifecycle import job_cancel_finalize
from backend.jobs.models import (
    FINISHED_STATUSES,
    BudgetAction,
    CancelReason,
    GpuType,
    Job,
    JobStatus,
    Priority,
    StageRun,
)
from backend.jobs.models.stage import STAGE_ORDER, StageState
from backend.jobs.selectors import queue_front_order
from backend.jobs.signals import job_slot_changed
from backend.jobs.transitions import lock_job, transition
from backend.scheduling.budgets import budget_check_submit, job_cost_bound
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.priorities import queue_order_for
from backend.scheduling.quotas import limits_for, quota_check_submit
from backend.telemetry.services import event_record
from worker.contract.hyperparameters import resolve_hyperparameters


def _check_dataset(dataset: Dataset, field: str) -> None:
    if not dataset.is_valid:
        first = dataset.errors[0] if dataset.errors else {"line": None, "message": "invalid"}
        raise ApplicationError(
            "The dataset did not pass validation.",
            code="validation_error",
            fields={field: [f"Line {first.get('line')}: {first.get('message')}"]},
        )


def _lock_datasets(dataset: Dataset, validation_dataset: Dataset | None) -> None:
    """Lock the job's datasets (FOR NO KEY UPDATE) and check they still exist.

    Race: `dataset_delete` locks the dataset, finds no unfinished job using it and deletes it.
    A job created in between would reference a row that is gone (a foreign-key error at commit).
    With this lock one of the two waits for the other: the delete then sees the queued job
    (409 `dataset_in_use`), or this create finds the dataset gone (400 on its field).
    """
    wanted = {"dataset_id": dataset.pk}
    if validation_dataset is not None:
        wanted["validation_dataset_id"] = validation_dataset.pk
    present = set(
        Dataset.objects.select_for_update(no_key=True)
        .filter(pk__in=wanted.values())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    gone = {
        field: ["This dataset was deleted."] for field, pk in wanted.items() if pk not in present
    }
    if gone:
        raise ApplicationError("The dataset was deleted.", code="validation_error", fields=gone)


@transaction.atomic
def job_create(
    *,
    created_by: User,
    name: str,
    dataset: Dataset,
    validation_dataset: Dataset | None = None,
    base_model: str,
    preset: str,
    hyperparameters: dict[str, Any] | None = None,
    gpu_type: GpuType,
    pricing: str,
    metadata: dict[str, str] | None = None,
    cloned_from: Job | None = None,
    priority: str = Priority.NORMAL,
    budget_cap: Decimal | None = None,
    budget_action: str = BudgetAction.PAUSE,
    anomaly_pause: bool = True,
) -> Job:
    """Create a queued job with its estimate and its four pending stages.

    The hourly rate is snapshotted now so catalog price changes never re-price the job.
    Refused (400) when the priority is not the person's to use, when they are at their queued
    limit, or when the job could cost more than is left of their or the team's monthly budget.
    The scheduler is told after commit (see transitions / signals) and may start it at once.
    `cloned_from` (a job the creator may see, checked by the caller) is recorded as the source.
    """
    _lock_datasets(dataset, validation_dataset)
    _check_dataset(dataset, "dataset_id")
    team = SchedulerSettings.load()
    limits = limits_for(user_id=created_by.pk, team=team)
    if limits.max_queued is not None or limits.monthly_budget is not None:
        # Lock: two submissions of one person at once must not both take the last queued place
        # or both spend the same remainder of the budget.
        User.objects.select_for_update().filter(pk=created_by.pk).first()
    if team.team_monthly_budget is not None:
        # Lock: two people submitting at once must not both spend the team's last dollars.
        team = SchedulerSettings.objects.select_for_update().get(pk=team.pk)
    quota_check_submit(user=created_by, priority=priority, limits=limits)
    if validation_dataset is not None:
        _check_dataset(validation_dataset, "validation_dataset_id")
    resolved = resolve_hyperparameters(preset, hyperparameters)
    estimate = estimate_job(
        dataset=dataset,
        validation_dataset=validation_dataset,
        base_model=base_model,
        hyperparameters=resolved,
        gpu_type=gpu_type,
        pricing=pricing,
    )
    # Without an estimate (no sample and no prior for this type yet) the plan still says how
    # many steps and tokens the job has: its first measurement turns them into an estimate.
    plan = job_plan(
        dataset=dataset,
        validation_dataset=validation_dataset,
        base_model=base_model,
        hyperparameters=resolved,
    )
    now = timezone.now()
    budget_check_submit(
        user=created_by,
        cost=job_cost_bound(
            est_cost_max=estimate.cost_max if estimate else None, budget_cap=budget_cap
        ),
        user_budget=limits.monthly_budget,
        team=team,
        now=now,
    )
    # FIFO within a priority: each new job goes behind everything queued so far with the same
    # priority; a priority is a head start of a bounded time (scheduling/priorities.py).
    job = Job.objects.create(
        name=name,
        created_by=created_by,
        dataset=dataset,
        validation_dataset=validation_dataset,
        base_model=base_model,
        preset=preset,
        hyperparameters=resolved,
        metadata=metadata or {},
        cloned_from=cloned_from,
        anomaly_pause=anomaly_pause,
        gpu_type=gpu_type,
        pricing=pricing,
        hourly_rate=gpu_type.hourly_rate(pricing),
        status=JobStatus.QUEUED,
        created_at=now,
        queued_at=now,
        queue_order=queue_order_for(
            queued_at=now, priority=priority, ageing_seconds=team.priority_ageing_seconds
        ),
        priority=priority,
        budget_cap=budget_cap,
        budget_action=budget_action,
        total_epochs=int(resolved["epochs"]),
        total_steps=plan[0] if plan else 0,
        est_total_steps=estimate.total_steps if estimate else None,
        est_total_tokens=plan[1] if plan else None,
        est_duration_seconds=estimate.duration_seconds if estimate else None,
        est_cost_min=estimate.cost_min if estimate else None,
        est_cost_max=estimate.cost_max if estimate else None,
        est_basis=estimate.basis if estimate else "",
    )
    StageRun.objects.bulk_create(
        StageRun(
            job=job,
            stage=stage,
            position=index,
            state=StageState.PENDING,
            estimated_seconds=estimate.stage_seconds[stage] if estimate else None,
        )
        for index, stage in enumerate(STAGE_ORDER)
    )
    event_record(
        job=job,
        type="status",
        message=f"Job queued by {created_by.display_name}"
        + (f" (cloned from {cloned_from.name})" if cloned_from is not None else ""),
        payload={
            "status": "queued",
            "estimate": estimate.as_dict() if estimate else None,
            "hyperparameters": resolved,
            **({"cloned_from": str(cloned_from.pk)} if cloned_from is not None else {}),
            "priority": priority,
            "budget_cap": str(budget_cap) if budget_cap is not None else None,
            "budget_action": budget_action,
        },
    )
    job_id = job.pk
    transaction.on_commit(lambda: job_slot_changed.send(sender=Job, job_id=job_id))
    return job


@transaction.atomic
def job_cancel(*, job_id: JobId, user: User, reason: str, notes: str = "") -> Job:
    """Cancel a job. Queued or paused: at once (`job_cancel_finalize`), it never starts again.
    Provisioning or running: `cancelling` until the worker stops at its next step (or the claim
    or the reaper ends it). Repeating the call is harmless; a finished job is a conflict."""
    # Lock: a worker completing and a user cancelling must not both win.
    job = lock_job(job_id)
    if job.status in (JobStatus.CANCELLING, JobStatus.CANCELLED):
        return job
    if job.status in FINISHED_STATUSES:
        raise Conflict(f"The job already {job.status}; there is nothing to cancel.")
    now = timezone.now()
    fields = cancel_request_record(job=job, reason=reason, notes=notes, by=user, now=now)
    label = CancelReason(reason).label if reason in CancelReason.values else reason
    payload = {"reason": reason, "notes": notes}
    if job.status in (JobStatus.QUEUED, JobStatus.PAUSED):
        job_cancel_finalize(
            job,
            message=f"Cancelled by {user.display_name}: {label}",
            now=now,
            fields=fields,
            payload=payload,
        )
        return job
    changed = transition(job, JobStatus.CANCELLING, now=now)
    job.save(update_fields=[*changed, *fields])
    event_record(
        job=job,
        type="status",
        message=f"Cancellation requested by {user.display_name}: {label}",
        payload={"status": JobStatus.CANCELLING, **payload},
    )
    return job


@transaction.atomic
def job_delete(*, job_id: JobId) -> None:
    """Delete a finished job with its metrics, events, checkpoints and files."""
    job = lock_job(job_id)
    if job.status not in FINISHED_STATUSES:
        raise Conflict("Only completed, failed or cancelled jobs can be deleted; cancel it first.")
    files = [c.file for c in job.checkpoints.all()]
    if job.adapter_file:
        files.append(job.adapter_file)
    job.delete()

    def remove_files() -> None:
        for f in files:
            if f.name:
                f.storage.delete(f.name)

    transaction.on_commit(remove_files)


@transaction.atomic
def job_promote(*, job_id: JobId, user: User) -> Job:
    """Move a queued job to the front of the queue (managers only; checked by the caller)."""
    job = lock_job(job_id)
    if job.status != JobStatus.QUEUED:
        raise Conflict("Only queued jobs can be moved in the queue.")
    job.queue_order = queue_front_order(current=job.queue_order)
    job.save(update_fields=["queue_order", "updated_at"])
    event_record(
        job=job,
        type="info",
        message=f"Moved to the front of the queue by {user.display_name}",
        payload={"queue_order": job.queue_order},
    )
    return job
