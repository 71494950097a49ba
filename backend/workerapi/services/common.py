"""Shared pieces of the worker services: the write lock and the reply action."""

from __future__ import annotations

from collections.abc import Sequence

from backend.common.errors import Conflict
from backend.jobs.models import Attempt, Job, JobStatus
from backend.jobs.transitions import lock_job
from backend.workerapi.auth import check_attempt

# Job statuses in which a claimed attempt may still write.
WRITABLE = frozenset({JobStatus.RUNNING, JobStatus.CANCELLING})
# The job columns the checks below and `action_for` read.
LOCK_FIELDS = ("status", "attempt", "pause_requested_at")


def lock_for_write(
    *, attempt: Attempt, claimed: bool = True, fields: Sequence[str] = ()
) -> tuple[Job, Attempt]:
    """Lock the attempt's job row and re-check the attempt under the lock.

    The token was checked before the lock was taken; in between, the reaper may have re-queued
    the job (ending this attempt as lost) or a user may have cancelled it. Checking again while
    holding the job row lock means a stale worker can never write into a newer attempt:
    whichever commits first wins, the other sees the result.

    The common case needs no second read of the attempt: when the locked job is running (or
    cancelling) on this very attempt number and the attempt was already claimed when its token
    was checked, the attempt is still open — every way an attempt ends (`transition()` leaving
    a billed status, the reaper's loss) moves the job out of those statuses, and a new attempt
    changes `job.attempt` — and a claim is never undone. Anything else re-reads the attempt and
    applies the full rules (401, 409 `stale_attempt`, `not_claimed`, `invalid_state`).

    `fields`: load only these job columns (see `lock_job`); the checks here add theirs.
    """
    job = lock_job(attempt.job_id, fields=[*fields, *LOCK_FIELDS] if fields else ())
    if (
        claimed
        and attempt.claimed_at is not None
        and job.attempt == attempt.number
        and job.status in WRITABLE
    ):
        attempt.job = job
        return job, attempt
    current = Attempt.objects.get(pk=attempt.pk)
    current.job = job
    check_attempt(current, job_id=job.pk)
    if claimed:
        if current.claimed_at is None:
            raise Conflict("Claim the attempt before reporting.", code="not_claimed")
        if job.status not in WRITABLE:
            raise Conflict(f"The job is {job.status}; reports are closed.", code="invalid_state")
    return job, current


def action_for(job: Job) -> str:
    """What the worker should do next, from the job's status and its pending pause request
    (a person's, an anomaly's or its budget cap's)."""
    if job.status == JobStatus.CANCELLING:
        return "cancel"
    if job.pause_requested_at is not None:
        return "pause"
    return "continue"
