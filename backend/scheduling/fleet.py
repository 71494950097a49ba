"""The fleet, read side: which workers are live and how many jobs each GPU type's pool may run.

A worker is live while its last heartbeat (`Worker.last_seen_at`) is younger than
LORA_WORKER_TTL_SECONDS. A pool is a GPU type; its capacity is its number of live workers, capped
by `GpuType.max_workers` when an admin set one. The dispatcher passes these capacities to the
Redis lease script, which is what enforces them atomically (see slots.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from backend.jobs.models import ACTIVE_STATUSES, GpuType, Job
from backend.scheduling.models import Worker, WorkerState


@dataclass(frozen=True)
class Pool:
    gpu_type_id: int
    slug: str
    name: str
    live_workers: int
    capacity: int


def live_since(now: datetime | None = None) -> datetime:
    """Heartbeats after this instant count as live."""
    return (now or timezone.now()) - timedelta(seconds=settings.LORA_WORKER_TTL_SECONDS)


def live_workers(now: datetime | None = None) -> QuerySet[Worker]:
    """Workers that heartbeated within the TTL."""
    return Worker.objects.filter(last_seen_at__gt=live_since(now))


def fleet_workers() -> QuerySet[Worker]:
    """Every worker the API has heard from, with what the fleet view shows."""
    return Worker.objects.select_related("gpu_type", "current_job").order_by(
        "gpu_type__sort_order", "name"
    )


def worker_state(worker: Worker, now: datetime | None = None) -> str:
    """offline (no heartbeat within the TTL), busy (its claimed job still holds a slot), idle."""
    if worker.last_seen_at <= live_since(now):
        return WorkerState.OFFLINE
    job = worker.current_job
    if job is not None and job.status in ACTIVE_STATUSES:
        return WorkerState.BUSY
    return WorkerState.IDLE


def pools(now: datetime | None = None) -> dict[int, Pool]:
    """Every active GPU type's pool, keyed by GpuType id (one query)."""
    since = live_since(now)
    rows = GpuType.objects.filter(is_active=True).annotate(
        live=Count("workers", filter=Q(workers__last_seen_at__gt=since))
    )
    out: dict[int, Pool] = {}
    for gpu in rows:
        live = int(gpu.live)
        capacity = live if gpu.max_workers is None else min(live, gpu.max_workers)
        out[gpu.pk] = Pool(gpu.pk, gpu.slug, gpu.name, live, capacity)
    return out


def pool_busy_counts() -> dict[int, int]:
    """Jobs holding a slot, by GpuType id."""
    rows = (
        Job.objects.filter(status__in=ACTIVE_STATUSES)
        .values("gpu_type_id")
        .annotate(n=Count("id"))
        .values_list("gpu_type_id", "n")
    )
    return {gpu_id: int(n) for gpu_id, n in rows}
