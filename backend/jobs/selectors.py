"""Read-side queries for jobs. Each returns a queryset (or plain data) with the joins the
serializers need, so a page costs the same number of queries whatever it holds."""

from __future__ import annotations

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, QuerySet
from django.db.models.functions import Coalesce, Now

from backend.common.types import JobId
from backend.jobs.models import Checkpoint, Job, JobStatus

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
    return (
        Job.objects.select_related("created_by", "gpu_type", "dataset", "cancelled_by")
        .prefetch_related("stages")
        .annotate(checkpoint_count=Count("checkpoints"))
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
