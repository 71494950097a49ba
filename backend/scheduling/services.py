"""Scheduling services: taking a job out of the queue, the lease calls the worker API makes
(renew on claim/heartbeat; release happens by itself on leaving a slot), and the fleet writes (a
worker's registration/heartbeat, which job a worker claimed). Promoting a job is the jobs app's
`job_promote`."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.common.errors import ApplicationError, Conflict
from backend.common.types import JobId
from backend.jobs.models import ACTIVE_STATUSES, CancelReason, GpuType, Job, JobStatus
from backend.jobs.services import job_cancel
from backend.jobs.transitions import lock_job
from backend.scheduling.fleet import live_since
from backend.scheduling.models import Worker
from backend.scheduling.slots import slot_release, slot_renew

logger = logging.getLogger(__name__)


@transaction.atomic
def queue_remove(*, job_id: JobId, user: User) -> Job:
    """Take a queued job out of the queue: it ends cancelled, reason "removed_from_queue".

    The row stays locked from the status check to the cancel, so a dispatcher cannot start the
    job in between (it would then be a running job cancelled as "removed from queue").
    """
    job = lock_job(job_id)
    if job.status != JobStatus.QUEUED:
        raise Conflict("Only queued jobs can be removed from the queue; cancel it instead.")
    return job_cancel(job_id=job.pk, user=user, reason=CancelReason.REMOVED_FROM_QUEUE)


def slot_renew_for_job(*, job: Job) -> bool:
    """Renew the job's lease for another LORA_LEASE_TTL_SECONDS (worker claim and heartbeat).

    False means the lease is gone or belongs to a newer attempt: the worker lost its slot and
    must stop (answer 409). Only the lease with `job.fence` is renewed, never a newer one.
    """
    if job.fence is None or job.status not in ACTIVE_STATUSES:
        return False
    return slot_renew(holder=str(job.pk), fence=job.fence, ttl=settings.LORA_LEASE_TTL_SECONDS)


def slot_release_for_job(*, job_id: JobId) -> bool:
    """Release the job's lease if the job no longer holds a slot; True when one was released.

    The fence check in Redis makes this safe against races: a lease taken by a newer attempt
    (different fence) is never touched.
    """
    row = Job.objects.filter(pk=job_id).values("status", "fence").first()
    if row is None or row["status"] in ACTIVE_STATUSES or row["fence"] is None:
        return False
    return slot_release(holder=str(job_id), fence=row["fence"])


@transaction.atomic
def fleet_heartbeat(
    *,
    name: str,
    gpu_type: str,
    host: str,
    device: dict[str, Any],
    software: dict[str, Any],
    now: datetime | None = None,
) -> Worker:
    """A worker says what it is (on start and with every heartbeat); keeps it live.

    The worker's type must be in the catalog: its pool is that type's queue. A worker that was
    unknown or offline adds a slot to its pool, so the dispatcher runs right after the commit:
    a job waiting for that type starts at once.
    """
    now = now or timezone.now()
    gpu = GpuType.objects.filter(slug=gpu_type, is_active=True).first()
    if gpu is None:
        raise ApplicationError(
            f"Unknown GPU type {gpu_type!r}: it must be the slug of an active catalog entry.",
            fields={"gpu_type": [f"No active GPU type {gpu_type!r}."]},
        )
    # Lock: two heartbeats of one worker (a retry racing the next beat) must not both insert.
    worker = Worker.objects.select_for_update().filter(name=name).first()
    was_live = worker is not None and worker.last_seen_at > live_since(now)
    if worker is None:
        worker = Worker(name=name)
    worker.gpu_type = gpu
    worker.host = host
    worker.device = device
    worker.software = software
    worker.last_seen_at = now
    worker.save()
    if not was_live:
        logger.info("Worker %s (%s) is online", name, gpu.slug)
        transaction.on_commit(_dispatch_after_commit)
    return worker


def _dispatch_after_commit() -> None:
    from backend.scheduling.dispatch import dispatch_queued

    try:
        dispatch_queued()
    except Exception:
        # The periodic dispatcher catches up; a heartbeat must not fail because of it.
        logger.exception("Dispatch after a worker came online failed")


def fleet_claimed(*, job: Job, worker_name: str | None, gpu_type: str | None) -> None:
    """Check the claiming worker serves the job's pool and record which job it runs now.

    A worker of another GPU type is refused (HTTP 409 `wrong_pool`), whether it says its type
    (`gpu_type`) or is known by its registration (`worker_name`). The dispatcher sends a job only
    to its type's queue, so this never fires unless a worker consumes the wrong queue: it is the
    last line that keeps an H100 job off an L4 host.
    """
    worker = None
    if worker_name:
        worker = Worker.objects.select_related("gpu_type").filter(name=worker_name).first()
    types = {gpu_type} if gpu_type else set()
    if worker is not None:
        types.add(worker.gpu_type.slug)
    wrong = sorted(t for t in types if t != job.gpu_type.slug)
    if wrong:
        raise Conflict(
            f"This job runs on {job.gpu_type.name} ({job.gpu_type.slug}) workers; this worker "
            f"serves {', '.join(wrong)}. Stop.",
            code="wrong_pool",
        )
    if worker is not None:
        Worker.objects.filter(pk=worker.pk).update(current_job=job)
