"""Read-side queries for jobs. Each returns a queryset (or plain data) with the joins the
serializers need, so a page costs the same number of queries whatever it holds."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Now

from backend.common.types import JobId
from backend.jobs.models import Checkpoint, Job, JobStatus, Preset
from worker.contract.hyperparameters import FIELDS_BY_NAME, resolve_hyperparameters

ORDERING_FIELDS: dict[str, str] = {
    "created_at": "created_at",
    "name": "name",
    "status": "status",
    "started_at": "started_at",
    "duration": "duration",
    "cost": "final_cost",
}


def jobs_list(*, ordering: str = "-created_at") -> QuerySet[Job]:
    desc = ordering.startswith("-")
    column = ORDERING_FIELDS[ordering.lstrip("-")]
    qs = Job.objects.select_related("created_by", "gpu_type").annotate(
        duration=ExpressionWrapper(
            Coalesce(F("finished_at"), Now()) - F("started_at"), output_field=DurationField()
        )
    )
    order = F(column).desc(nulls_last=True) if desc else F(column).asc(nulls_last=True)
    return qs.order_by(order, "-created_at", "pk")


def job_detail(*, job_id: JobId) -> Job:
    # The checkpoint count is a correlated subquery, not Count() over a join: Count() makes
    # Django GROUP BY every selected column of the job and its five joined rows, and compiling
    # that GROUP BY was a third of the job page's poll.
    checkpoints = (
        Checkpoint.objects.filter(job=OuterRef("pk"))
        .order_by()
        .values("job")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # `cancelled_by` and `cloned_from` are not joined: few jobs have them (a foreign key left
    # null reads as None without a query), and joining `cloned_from` selected a second job row,
    # every column of it, for its name.
    return (
        Job.objects.select_related("created_by", "gpu_type", "dataset")
        .prefetch_related("stages")
        .annotate(checkpoint_count=Coalesce(Subquery(checkpoints), 0))
        .get(pk=job_id)
    )


def checkpoint_latest(*, job_id: JobId) -> Checkpoint | None:
    """The job's newest checkpoint (highest step): where its next attempt resumes."""
    return Checkpoint.objects.filter(job_id=job_id).order_by("-step").first()


def checkpoint_latest_step(*, job_id: JobId) -> int:
    """The step of the job's newest checkpoint; 0 when it has none (a fresh start)."""
    latest = checkpoint_latest(job_id=job_id)
    return latest.step if latest is not None else 0


def queue_front_order(*, current: float) -> float:
    """A `queue_order` ahead of every queued job and of `current` (the job's own place), for a
    job that goes to the front: promoted by a manager, or re-queued after losing its worker."""
    lowest = Job.objects.filter(status=JobStatus.QUEUED).aggregate(m=Min("queue_order"))["m"]
    return min(lowest if lowest is not None else current, current) - 1.0


def job_clone_template(*, job: Job) -> dict[str, Any]:
    """A create body that reproduces `job` (POST it to the jobs list as it is, or change it):
    its datasets, model, GPU type, pricing, metadata and exact hyperparameters, and
    `cloned_from`. The preset stays when it still resolves to the job's values, else it becomes
    `custom` with every value. `warnings` says what could not be carried over."""
    warnings: list[str] = []
    hyperparameters = {k: v for k, v in job.hyperparameters.items() if k in FIELDS_BY_NAME}
    preset = job.preset
    if preset != Preset.CUSTOM and resolve_hyperparameters(preset, None) != job.hyperparameters:
        preset = Preset.CUSTOM
        warnings.append(
            f"The {job.get_preset_display()} preset has changed since this job was created: "
            "its values are kept as custom hyperparameters."
        )
    dataset_id = job.dataset_id if job.dataset is not None and job.dataset.is_valid else None
    if dataset_id is None:
        warnings.append("The job's dataset was deleted: choose another one.")
    # A deleted validation dataset leaves no trace (SET_NULL): the clone simply has none.
    validation = job.validation_dataset
    validation_id = validation.pk if validation is not None and validation.is_valid else None
    gpu_type = job.gpu_type.slug if job.gpu_type.is_active else None
    if gpu_type is None:
        warnings.append(f"The GPU type {job.gpu_type.name} is no longer offered: choose another.")
    suffix = " (copy)"
    return {
        "cloned_from": job.pk,
        "source_name": job.name,
        "name": job.name[: 200 - len(suffix)] + suffix,
        "dataset_id": dataset_id,
        "validation_dataset_id": validation_id,
        "base_model": job.base_model,
        "preset": preset,
        "hyperparameters": hyperparameters,
        "gpu_type": gpu_type,
        "pricing": job.pricing,
        "metadata": job.metadata,
        "anomaly_pause": job.anomaly_pause,
        "warnings": warnings,
    }
