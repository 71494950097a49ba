"""Read-side of the queue: positions, pools, start-time estimates, why each job waits, the queue
view and its analytics. Finish times of running jobs come from the forecast read model
(`backend.jobs.forecast`), so the queue and the job page agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, DurationField, ExpressionWrapper, F, Max, QuerySet
from django.utils import timezone

from backend.jobs.forecast import queued_duration_seconds, remaining_seconds
from backend.jobs.models import ACTIVE_STATUSES, Job, JobStatus, Priority
from backend.scheduling.estimates import simulate_pool_starts
from backend.scheduling.fleet import Pool, pools
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.priorities import passable_until
from backend.scheduling.quotas import limits_by_user, running_limit_text


def queued_jobs() -> QuerySet[Job]:
    """Queued jobs in queue order (within each pool, the order the dispatcher starts them)."""
    return (
        Job.objects.filter(status=JobStatus.QUEUED)
        .select_related("created_by", "gpu_type")
        .prefetch_related("stages")
        .order_by("queue_order", "created_at")
    )


def active_jobs() -> QuerySet[Job]:
    """Jobs holding a GPU slot, oldest attempt first (that order numbers the slots)."""
    return (
        Job.objects.filter(status__in=ACTIVE_STATUSES)
        .select_related("created_by", "gpu_type")
        .prefetch_related("stages")
        .order_by(F("billing_since").asc(nulls_last=True), "started_at", "created_at")
    )


def queue_positions() -> dict[Any, int]:
    """1-based FIFO positions of every queued job, keyed by job id (one query)."""
    ids = Job.objects.filter(status=JobStatus.QUEUED).order_by("queue_order", "created_at")
    return {job_id: index for index, job_id in enumerate(ids.values_list("pk", flat=True), 1)}


def active_finish_estimate(job: Job, now: datetime) -> datetime:
    """When a slot-holding job should finish: now + its remaining time from the forecast read
    model (the same figure its dashboard shows). Never before now."""
    left, _ = remaining_seconds(job, list(job.stages.all()), now)
    if left is None:
        left = queued_duration_seconds(job)
    return now + timedelta(seconds=max(left, 0.0))


def _duration_text(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"~{max(1, round(seconds))} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"~{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"~{hours} h {rest} min" if rest else f"~{hours} h"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class _Snapshot:
    now: datetime
    limit: int
    active: list[Job]
    queued: list[Job]
    pools: dict[int, Pool]
    finishes: dict[Any, datetime]
    starts: dict[Any, datetime | None]
    reasons: dict[Any, str]
    passable: dict[Any, datetime]


def _snapshot(now: datetime, viewer_id: int | None = None) -> _Snapshot:
    team = SchedulerSettings.load()
    limit = team.concurrency_limit
    active = list(active_jobs())
    queued = list(queued_jobs())
    fleet = pools(now)
    finishes = {job.pk: active_finish_estimate(job, now) for job in active}
    owners = {job.created_by_id for job in active} | {job.created_by_id for job in queued}
    running_caps: dict[Any, int] = {
        uid: lim.max_running
        for uid, lim in limits_by_user(owners, team).items()
        if lim.max_running is not None
    }
    starts = simulate_pool_starts(
        now=now,
        limit=limit,
        capacities={gpu_id: pool.capacity for gpu_id, pool in fleet.items()},
        active=[(job.gpu_type_id, finishes[job.pk]) for job in active],
        queued=[(job.pk, job.gpu_type_id, queued_duration_seconds(job)) for job in queued],
        owner_limits=running_caps,
        active_owners=[job.created_by_id for job in active],
        queued_owners={job.pk: job.created_by_id for job in queued},
    )
    reasons = _reasons(now, limit, active, queued, fleet, finishes)
    _quota_reasons(reasons, active, queued, running_caps, viewer_id)
    ageing = team.priority_ageing_seconds
    passable = {
        job.pk: passable_until(queue_order=job.queue_order, ageing_seconds=ageing) for job in queued
    }
    for job in queued:
        if job.priority == Priority.LOW and passable[job.pk] > now:
            reasons[job.pk] += (
                f"; low priority: later jobs can go ahead of it only until "
                f"{passable[job.pk]:%H:%M} UTC"
            )
    return _Snapshot(now, limit, active, queued, fleet, finishes, starts, reasons, passable)


def _quota_reasons(
    reasons: dict[Any, str],
    active: list[Job],
    queued: list[Job],
    running_caps: dict[Any, int],
    viewer_id: int | None,
) -> None:
    """Jobs held back by their owner's running limit say so instead of their pool place."""
    running: dict[int, int] = {}
    for job in active:
        running[job.created_by_id] = running.get(job.created_by_id, 0) + 1
    for job in queued:
        cap = running_caps.get(job.created_by_id)
        count = running.get(job.created_by_id, 0)
        if cap is not None and count >= cap:
            reasons[job.pk] = running_limit_text(
                count=count,
                limit=cap,
                owner=job.created_by.display_name,
                is_viewer=job.created_by_id == viewer_id,
            )


def _reasons(
    now: datetime,
    limit: int,
    active: list[Job],
    queued: list[Job],
    fleet: dict[int, Pool],
    finishes: dict[Any, datetime],
) -> dict[Any, str]:
    """Why each queued job waits, in words (the job page and the queue view show it)."""
    waiting: dict[int, list[Job]] = {}
    for job in queued:
        waiting.setdefault(job.gpu_type_id, []).append(job)
    busy: dict[int, list[Job]] = {}
    for job in active:
        busy.setdefault(job.gpu_type_id, []).append(job)
    out: dict[Any, str] = {}
    for gpu_id, jobs in waiting.items():
        pool = fleet.get(gpu_id)
        name = pool.name if pool else jobs[0].gpu_type.name
        if pool is None or pool.live_workers == 0:
            text = f"No {name} worker online — {_plural(len(jobs), 'job')} waiting"
            out.update({job.pk: text for job in jobs})
            continue
        running = busy.get(gpu_id, [])
        for position, job in enumerate(jobs, 1):
            where = f"position {position} of {len(jobs)} in the {name} pool"
            if len(active) >= limit:
                out[job.pk] = f"Global limit of {limit} reached — {where}"
                continue
            detail = f"{_plural(len(running), 'worker')} busy"
            if pool.capacity < pool.live_workers:
                detail += f", capped at {pool.capacity} in admin"
            if running:
                soonest = min(finishes[j.pk] for j in running)
                detail += f", next frees in {_duration_text((soonest - now).total_seconds())}"
            elif pool.capacity == 0:
                detail = "capped at 0 jobs in admin"
            out[job.pk] = f"{where[0].upper()}{where[1:]} ({detail})"
    return out


def estimated_starts(now: datetime | None = None) -> dict[Any, datetime | None]:
    """Estimated start of every queued job, keyed by job id (None: no worker of its type)."""
    return _snapshot(now or timezone.now()).starts


@dataclass(frozen=True)
class ActiveSlot:
    slot: int
    job: Job
    estimated_finish_at: datetime


@dataclass(frozen=True)
class QueuedEntry:
    position: int
    job: Job
    estimated_start_at: datetime | None
    wait_seconds: float
    pool: str
    reason: str
    passable_until: datetime


@dataclass(frozen=True)
class QueueView:
    concurrency_limit: int
    active: list[ActiveSlot]
    queued: list[QueuedEntry]
    pools: list[Pool]
    analytics: dict[str, Any]

    @property
    def positions(self) -> dict[Any, int]:
        return {entry.job.pk: entry.position for entry in self.queued}

    @property
    def starts(self) -> dict[Any, datetime | None]:
        return {entry.job.pk: entry.estimated_start_at for entry in self.queued}

    @property
    def reasons(self) -> dict[Any, str]:
        return {entry.job.pk: entry.reason for entry in self.queued}

    @property
    def passable(self) -> dict[Any, datetime]:
        return {entry.job.pk: entry.passable_until for entry in self.queued}


def queue_view(*, now: datetime | None = None, viewer_id: int | None = None) -> QueueView:
    """Everything GET /api/training/queue shows, computed at one instant. `viewer_id`: the
    person asking (a reason about their own running limit says "you")."""
    now = now or timezone.now()
    snap = _snapshot(now, viewer_id)
    return QueueView(
        concurrency_limit=snap.limit,
        active=[
            ActiveSlot(slot=index, job=job, estimated_finish_at=snap.finishes[job.pk])
            for index, job in enumerate(snap.active, 1)
        ],
        queued=[
            QueuedEntry(
                position=index,
                job=job,
                estimated_start_at=snap.starts.get(job.pk),
                # How long it has waited so far (since it last entered the queue).
                wait_seconds=round(max((now - job.queued_at).total_seconds(), 0.0), 1),
                pool=job.gpu_type.slug,
                reason=snap.reasons.get(job.pk, ""),
                passable_until=snap.passable[job.pk],
            )
            for index, job in enumerate(snap.queued, 1)
        ],
        pools=list(snap.pools.values()),
        analytics=queue_analytics(now=now, depth=len(snap.queued)),
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
    "active_jobs",
    "estimated_starts",
    "queue_analytics",
    "queue_positions",
    "queue_view",
    "queued_jobs",
]
