"""Queue actions people take: move a job to the front, remove it from the queue."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.common.errors import Conflict
from backend.common.types import JobId
from backend.jobs.models import CancelReason, Job, JobStatus
from backend.jobs.services import job_cancel, job_promote
from backend.jobs.transitions import lock_job


def queue_promote(*, job_id: JobId, user: Any) -> Job:
    """Move a queued job to the front (the caller checked the user is a manager)."""
    return job_promote(job_id=job_id, user=user)


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
