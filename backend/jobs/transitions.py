"""The job state machine: the one place a job's status changes.

Callers hold the job's row lock (`select_for_update`) or pass a freshly locked instance, so two
writers (a user cancelling, a worker completing, the reaper re-queueing) cannot interleave a
read-modify-write of the status. Billing intervals open and close here, so spend is always the
billed time of provisioning + running and never of queued or paused time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from backend.common.errors import Conflict
from backend.common.rows import row_select
from backend.common.types import JobId
from backend.jobs.models import (
    BILLED_STATUSES,
    FINISHED_STATUSES,
    Attempt,
    AttemptEnd,
    Job,
    JobPause,
    JobStatus,
    PauseState,
)
from backend.jobs.signals import job_outcome, job_slot_changed

S = JobStatus
ALLOWED: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.PROVISIONING, S.CANCELLED}),
    S.PROVISIONING: frozenset({S.RUNNING, S.CANCELLING, S.QUEUED, S.FAILED, S.CANCELLED}),
    S.RUNNING: frozenset({S.COMPLETED, S.FAILED, S.CANCELLING, S.QUEUED, S.PAUSED}),
    S.CANCELLING: frozenset({S.CANCELLED, S.COMPLETED, S.FAILED}),
    S.PAUSED: frozenset({S.QUEUED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}


_END_REASON: dict[str, str] = {
    S.COMPLETED: AttemptEnd.COMPLETED,
    S.FAILED: AttemptEnd.FAILED,
    S.CANCELLED: AttemptEnd.CANCELLED,
    S.PAUSED: AttemptEnd.PAUSED,
    S.QUEUED: AttemptEnd.LOST,
}


def lock_job(job_id: JobId, *, fields: Sequence[str] = ()) -> Job:
    """Fetch a job with its row locked for the rest of the transaction.

    `fields` loads only those columns (the rest are deferred), with SQL built once
    (backend/common/rows.py): the worker's telemetry reports lock the job once a second each,
    and building all of its columns through the ORM was the largest part of their cost. Such
    callers must touch no other field (each would be another query).
    """
    if not fields:
        return Job.objects.select_for_update().get(pk=job_id)
    job = row_select(Job, names=fields, by="id", value=job_id, lock=True)
    if job is None:
        raise Job.DoesNotExist(f"No job {job_id}.")
    return job


def transition(job: Job, to: str, *, now: datetime | None = None) -> list[str]:
    """Move a locked job to `to`, doing the billing and timestamp bookkeeping.

    Every finished status (completed, failed, cancelled) clears `stage` and `substatus`.
    Returns the names of the fields it changed (callers add theirs and save once).
    Raises Conflict when the move is not allowed from the current status.
    """
    now = now or timezone.now()
    if to not in ALLOWED[job.status]:
        raise Conflict(
            f"A {job.get_status_display().lower()} job cannot become {to}.",
            code="invalid_state",
        )
    was_billed = job.status in BILLED_STATUSES
    will_bill = to in BILLED_STATUSES
    changed = ["status", "final_cost", "updated_at"]

    if was_billed and not will_bill:
        if job.billing_since is not None:
            job.billed_seconds += max((now - job.billing_since).total_seconds(), 0.0)
            job.billing_since = None
            changed += ["billed_seconds", "billing_since"]
        # The attempt is over: its token dies with it (see Attempt for 401 vs 409).
        Attempt.objects.filter(job_id=job.pk, number=job.attempt, ended_at__isnull=True).update(
            ended_at=now, end_reason=_END_REASON[to]
        )
    elif will_bill and not was_billed:
        job.billing_since = now
        changed.append("billing_since")

    if to == S.PROVISIONING and job.started_at is None:
        job.started_at = now
        changed.append("started_at")
    if to == S.QUEUED:
        job.queued_at = now
        changed.append("queued_at")
    if to in FINISHED_STATUSES:
        job.finished_at = now
        # A finished job is in no stage and has nothing under way to describe (the stage bar
        # keeps each stage's own outcome in StageRun).
        job.stage = ""
        job.substatus = ""
        changed += ["finished_at", "stage", "substatus"]

    changed += _settle_pauses(job, to, now)

    job.status = to
    job.final_cost = job.spend_at(now)

    if not will_bill:
        # The job left its slot or (re-)entered the queue: the scheduler releases the lease and
        # fills free slots once this commits. Taking a slot (provisioning) signals nothing: only
        # the dispatcher does that, and it keeps filling slots by itself.
        job_id = job.pk
        transaction.on_commit(lambda: job_slot_changed.send(sender=Job, job_id=job_id))
    if to in FINISHED_STATUSES or to == S.PAUSED:
        # Webhooks and watchers hear of it once the new status is visible to everyone.
        job_id, status = job.pk, to
        transaction.on_commit(
            lambda: job_outcome.send(sender=Job, job_id=job_id, status=str(status))
        )
    return changed


def _settle_pauses(job: Job, to: str, now: datetime) -> list[str]:
    """Keep the pause history in step with the status: leaving `paused` ends the pause
    (resumed or cancelled); finishing with a pause still pending answers that request as not
    applied. A job re-queued after losing its worker keeps its pending request: its next
    attempt stops at once and the job pauses at its checkpoint."""
    if job.status == S.PAUSED:
        JobPause.objects.filter(job_id=job.pk, state=PauseState.PAUSED).update(
            state=PauseState.RESUMED if to == S.QUEUED else PauseState.CANCELLED, ended_at=now
        )
    if to in FINISHED_STATUSES and job.pause_requested_at is not None:
        JobPause.objects.filter(job_id=job.pk, state=PauseState.REQUESTED).update(
            state=PauseState.NOT_APPLIED,
            ended_at=now,
            note=f"The job {to} before its worker reached a step boundary to pause at.",
        )
        job.pause_requested_at = None
        return ["pause_requested_at"]
    return []
