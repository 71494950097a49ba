"""Read-side of the queue: positions, start-time estimates, the queue view and its analytics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, DurationField, ExpressionWrapper, F, Max, QuerySet
from django.utils import timezone

from backend.jobs.estimates import FINALIZATION_SECONDS
from backend.jobs.models import ACTIVE_STATUSES, Job, JobStatus
from backend.scheduling.estimates import simulate_starts
from backend.scheduling.models import SchedulerSettings

# Used for a job whose model size is unknown (no estimate): an hour is the usual order of a
# LoRA fine-tune, and saying nothing would leave every job behind it without an estimate too.
FALLBACK_DURATION_SECONDS = 3600.0


def queued_jobs() -> QuerySet[Job]:
    """Queued jobs in the order the dispatcher will start them."""
    return (
        Job.objects.filter(status=JobStatus.QUEUED)
        .select_related("created_by", "gpu_type")
        .order_by("queue_order", "created_at")
    )


def active_jobs() -> QuerySet[Job]:
    """Jobs holding a GPU slot, oldest attempt first (that order numbers the slots)."""
    return (
        Job.objects.filter(status__in=ACTIVE_STATUSES)
        .select_related("created_by", "gpu_type")
        .order_by(F("billing_since").asc(nulls_last=True), "started_at", "created_at")
    )


def queue_positions() -> dict[Any, int]:
    """1-based FIFO positions of every queued job, keyed by job id (one query)."""
    ids = queued_jobs().values_list("pk", flat=True)
    return {job_id: index for index, job_id in enumerate(ids, 1)}


def remaining_duration_seconds(job: Job) -> float:
    """Estimated seconds of work left for a job that is not running: the whole estimate, less
    the share of training its checkpoint already covers (a recovering job resumes there)."""
    total = job.est_duration_seconds or FALLBACK_DURATION_SECONDS
    if job.resume_step and job.total_steps:
        done = min(1.0, job.resume_step / job.total_steps)
        total *= 1.0 - done
    return max(total, 0.0)


def active_finish_estimate(job: Job, now: datetime) -> datetime:
    """When a slot-holding job should finish: from its measured step rate once training has
    run a few steps in this attempt, else attempt start + estimated duration. Never before now.
    """
    training_left = job.measured_training_seconds_left(now)
    if training_left is not None:
        return now + timedelta(seconds=training_left + FINALIZATION_SECONDS)
    attempt_start = job.billing_since or job.started_at or now
    return max(attempt_start + timedelta(seconds=remaining_duration_seconds(job)), now)


def _estimates(
    active: list[Job], queued: list[Job], now: datetime, limit: int
) -> tuple[dict[Any, datetime], dict[Any, datetime]]:
    finishes = {job.pk: active_finish_estimate(job, now) for job in active}
    starts = simulate_starts(
        now=now,
        limit=limit,
        active_finishes=list(finishes.values()),
        queued=[(job.pk, remaining_duration_seconds(job)) for job in queued],
    )
    return finishes, starts


def estimated_starts(now: datetime | None = None) -> dict[Any, datetime]:
    """Estimated start of every queued job, keyed by job id (two queries)."""
    now = now or timezone.now()
    limit = SchedulerSettings.load().concurrency_limit
    return _estimates(list(active_jobs()), list(queued_jobs()), now, limit)[1]


@dataclass(frozen=True)
class ActiveSlot:
    slot: int
    job: Job
    estimated_finish_at: datetime


@dataclass(frozen=True)
class QueuedEntry:
    position: int
    job: Job
    estimated_start_at: datetime
    wait_seconds: float


@dataclass(frozen=True)
class QueueView:
    concurrency_limit: int
    active: list[ActiveSlot]
    queued: list[QueuedEntry]
    analytics: dict[str, Any]

    @property
    def positions(self) -> dict[Any, int]:
        return {entry.job.pk: entry.position for entry in self.queued}


def queue_view(*, now: datetime | None = None) -> QueueView:
    """Everything GET /api/training/queue shows, computed at one instant."""
    now = now or timezone.now()
    limit = SchedulerSettings.load().concurrency_limit
    active = list(active_jobs())
    queued = list(queued_jobs())
    finishes, starts = _estimates(active, queued, now, limit)
    return QueueView(
        concurrency_limit=limit,
        active=[
            ActiveSlot(slot=index, job=job, estimated_finish_at=finishes[job.pk])
            for index, job in enumerate(active, 1)
        ],
        queued=[
            QueuedEntry(
                position=index,
                job=job,
                estimated_start_at=starts[job.pk],
                # How long it has waited so far (since it last entered the queue).
                wait_seconds=round(max((now - job.queued_at).total_seconds(), 0.0), 1),
            )
            for index, job in enumerate(queued, 1)
        ],
        analytics=queue_analytics(now=now, depth=len(queued)),
    )


def _wait_stats(since: datetime, now: datetime) -> tuple[float | None, float | None]:
    wait = ExpressionWrapper(F("started_at") - F("created_at"), output_field=DurationField())
    row = Job.objects.filter(started_at__gt=since, started_at__lte=now).aggregate(
        avg=Avg(wait), longest=Max(wait)
    )

    def seconds(value: timedelta | None) -> float | None:
        return None if value is None else round(value.total_seconds(), 1)

    return seconds(row["avg"]), seconds(row["longest"])


def queue_analytics(*, now: datetime | None = None, depth: int | None = None) -> dict[str, Any]:
    """Queue depth, throughput and waits.

    - depth: jobs queued now.
    - started_last_hour: jobs whose first start (`started_at`) is within the last hour.
    - wait of a job = started_at - created_at (time to its first start; re-queues after a lost
      worker do not count again); average/longest over jobs first started within the last
      24 hours / 7 days. None when no job started in the window.
    """
    now = now or timezone.now()
    if depth is None:
        depth = Job.objects.filter(status=JobStatus.QUEUED).count()
    avg_24h, longest_24h = _wait_stats(now - timedelta(hours=24), now)
    avg_7d, longest_7d = _wait_stats(now - timedelta(days=7), now)
    return {
        "depth": depth,
        "started_last_hour": Job.objects.filter(
            started_at__gt=now - timedelta(hours=1), started_at__lte=now
        ).count(),
        "average_wait_seconds_24h": avg_24h,
        "longest_wait_seconds_24h": longest_24h,
        "average_wait_seconds_7d": avg_7d,
        "longest_wait_seconds_7d": longest_7d,
    }


__all__ = [
    "ActiveSlot",
    "QueueView",
    "QueuedEntry",
    "active_finish_estimate",
    "estimated_starts",
    "queue_analytics",
    "queue_positions",
    "queue_view",
]
