"""Scheduling services: taking a job out of the queue, and the lease calls the worker API makes
(renew on claim/heartbeat; release happens by itself on leaving a slot). Promoting a job is the
jobs app's `job_promote`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from backend.common.errors import Conflict
from backend.common.types import JobId
from backend.jobs.models import ACTIVE_STATUSES, CancelReason, Job, JobStatus
from backend.jobs.services import job_cancel
from backend.jobs.transitions import lock_job
from backend.scheduling.slots import slot_release, slot_renew


@transaction.atomic
def queue_remove(*, job_id: JobId, user: Any) -> Job:
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
