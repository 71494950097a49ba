"""The reaper: jobs whose slot lease ran out (no heartbeat) lost their worker.

A lost attempt frees its slot; the job goes back to the front of the queue with `recovering` set
and resumes from its last checkpoint on the next attempt, or fails with `worker_lost` once it has
been restarted `max_restarts` times. A job that was being cancelled simply ends cancelled.
"""

from __future__ import annotations

import logging
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from backend.jobs.lifecycle import job_cancel_finalize
from backend.jobs.models import (
    ACTIVE_STATUSES,
    Attempt,
    AttemptEnd,
    ErrorCategory,
    Job,
    JobStatus,
    StageRun,
    StageState,
)
from backend.jobs.selectors import checkpoint_latest_step, queue_front_order
from backend.jobs.transitions import transition
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.slots import Lease, slot_holders, slot_lease, slot_release, slots_ensure
from backend.telemetry.services import event_record

logger = logging.getLogger(__name__)


def _lease_valid(lease: Lease | None, job: Job) -> bool:
    return lease is not None and job.fence is not None and lease.fence == job.fence


def reap_lost() -> list[str]:
    """Handle every slot-holding job whose lease is gone or expired; return their ids."""
    # Without this, a Redis that restarted empty would make every running job look lost.
    slots_ensure()
    # Read the database before Redis: a job dispatched in between has its lease taken before
    # its row commits, so anything seen active here has its lease in the read that follows.
    candidates = list(Job.objects.filter(status__in=ACTIVE_STATUSES).values_list("id", "fence"))
    if not candidates:
        return []
    holders = slot_holders()
    reaped: list[str] = []
    for job_id, fence in candidates:
        lease = holders.get(str(job_id))
        if lease is not None and lease.fence == fence:
            continue
        if _reap_one(job_id=job_id, fence=fence):
            reaped.append(str(job_id))
    return reaped


@transaction.atomic
def _reap_one(*, job_id: UUID, fence: int | None) -> bool:
    # Lock, then look again: the worker may have finished, or the job been re-dispatched with a
    # new fence, since the scan. Under the lock nobody else can change its status.
    job = Job.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status not in ACTIVE_STATUSES or job.fence != fence:
        return False
    # An expired lease never comes back to life (renew refuses it), so this check is final.
    if _lease_valid(slot_lease(holder=str(job.pk)), job):
        return False
    if job.fence is not None:
        holder, dead_fence = str(job.pk), job.fence
        transaction.on_commit(lambda: slot_release(holder=holder, fence=dead_fence))

    if job.status == JobStatus.CANCELLING:
        _finish_cancel(job)
    else:
        _requeue_or_fail(job)
    return True


def _finish_cancel(job: Job) -> None:
    job_cancel_finalize(
        job,
        message="Cancelled (the worker stopped responding before it confirmed)",
        payload={"attempt": job.attempt},
    )
    _mark_attempt_lost(job)


def _mark_attempt_lost(job: Job) -> None:
    Attempt.objects.filter(job_id=job.pk, number=job.attempt).update(end_reason=AttemptEnd.LOST)


def _requeue_or_fail(job: Job) -> None:
    conf = SchedulerSettings.load()
    # Restarts so far = attempts lost before this one; this loss would need one more.
    restarts = Attempt.objects.filter(job_id=job.pk, end_reason=AttemptEnd.LOST).count()
    resume_step = checkpoint_latest_step(job_id=job.pk)
    if restarts >= conf.max_restarts:
        _fail_worker_lost(job, restarts=restarts)
        return

    changed = transition(job, JobStatus.QUEUED)  # ends the attempt as "lost"
    # Back to the front: it already waited its turn once.
    job.queue_order = queue_front_order(current=job.queue_order)
    job.recovering = True
    job.substatus = f"Worker lost; waiting for a GPU to resume from step {resume_step}"
    job.save(update_fields=[*changed, "queue_order", "recovering", "substatus"])
    _mark_stage_recovering(job)
    event_record(
        job=job,
        type="warning",
        message=f"Worker lost; will resume from checkpoint at step {resume_step}",
        payload={
            "status": JobStatus.QUEUED,
            "attempt": job.attempt,
            "resume_step": resume_step,
            "restart": restarts + 1,
        },
    )
    logger.warning("Job %s lost its worker (attempt %s); re-queued", job.pk, job.attempt)


def _mark_stage_recovering(job: Job) -> None:
    # The stage bar shows Recovering on the stage that was interrupted (usually Training).
    updated = StageRun.objects.filter(job_id=job.pk, state=StageState.ACTIVE).update(
        state=StageState.RECOVERING
    )
    if not updated and job.stage:
        StageRun.objects.filter(job_id=job.pk, stage=job.stage).exclude(
            state=StageState.COMPLETED
        ).update(state=StageState.RECOVERING)


def _fail_worker_lost(job: Job, *, restarts: int) -> None:
    now = timezone.now()
    changed = transition(job, JobStatus.FAILED, now=now)
    job.error_category = ErrorCategory.WORKER_LOST
    job.error_message = (
        f"The worker stopped responding and the job was already restarted {restarts} "
        f"time(s), the most allowed."
    )
    job.error_step = job.current_step or None
    job.recovering = False
    job.save(
        update_fields=[*changed, "error_category", "error_message", "error_step", "recovering"]
    )
    _mark_attempt_lost(job)
    StageRun.objects.filter(
        job_id=job.pk, state__in=[StageState.ACTIVE, StageState.RECOVERING]
    ).update(state=StageState.FAILED, finished_at=now)
    event_record(
        job=job,
        type="error",
        message=f"Worker lost; failed after {restarts} restart(s)",
        payload={"status": JobStatus.FAILED, "error_category": ErrorCategory.WORKER_LOST},
    )
