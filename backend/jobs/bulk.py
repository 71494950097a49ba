"""Bulk actions on jobs (cancel, delete): each job goes through the same permission check and
service as the single action, in its own transaction, and the result says what happened to
each. Repeating a request changes nothing more (cancel and delete are idempotent per job)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.utils import timezone

from backend.accounts.models import User
from backend.common.errors import ApplicationError
from backend.common.types import JobId
from backend.jobs import services
from backend.jobs.models import Job
from backend.jobs.policies import can_manage

BulkAction = Literal["cancel", "delete"]
BULK_ACTIONS: tuple[BulkAction, ...] = ("cancel", "delete")
# A request acts on at most this many jobs (ids, or what the filter matches).
MAX_BULK_JOBS = 500

_DENIED = {
    "cancel": "Only the job's creator or a manager can cancel it.",
    "delete": "Only the job's creator or a manager can delete it.",
}


@dataclass
class Refusal:
    id: JobId
    name: str | None
    code: str
    message: str


@dataclass
class BulkResult:
    action: BulkAction
    matched: int
    done: list[JobId] = field(default_factory=list)
    unchanged: list[JobId] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def jobs_bulk_apply(
    *,
    user: User,
    action: BulkAction,
    job_ids: Sequence[JobId],
    reason: str = "",
    notes: str = "",
) -> BulkResult:
    """Apply `action` to each job of `job_ids`, oldest first.

    done: changed by this call. unchanged: already in the action's end state (a cancel of a
    cancelling or cancelled job). refused: with the code and message the single action would
    have answered (permission_denied, conflict, not_found: no such job, e.g. already deleted).
    One job's refusal never stops the others, and nothing but the listed jobs is touched.
    """
    result = BulkResult(action=action, matched=len(set(job_ids)))
    found = {
        job.pk: job
        for job in Job.objects.filter(pk__in=set(job_ids))
        .select_related("created_by")
        .only("pk", "name", "status", "created_by", "created_at")
    }
    for missing in sorted(set(job_ids) - set(found), key=str):
        result.refused.append(Refusal(missing, None, "not_found", "No such job."))
    for job in sorted(found.values(), key=lambda j: (j.created_at, str(j.pk))):
        if not can_manage(user, job):
            result.refused.append(Refusal(job.pk, job.name, "permission_denied", _DENIED[action]))
            continue
        apply = _cancel(user, reason, notes) if action == "cancel" else _delete
        try:
            changed = apply(job)
        except ApplicationError as exc:
            # The service's own answer (conflict, or not_found when the job went meanwhile).
            result.refused.append(Refusal(job.pk, job.name, exc.code, exc.message))
            continue
        (result.done if changed else result.unchanged).append(job.pk)
    return result


def _cancel(user: User, reason: str, notes: str) -> Callable[[Job], bool]:
    def run(job: Job) -> bool:
        # job_cancel locks the row; a repeat (already cancelling or cancelled) returns the job
        # as it was, so its cancel request predates this call.
        started = timezone.now()
        after = services.job_cancel(job_id=job.pk, user=user, reason=reason, notes=notes)
        requested = after.cancel_requested_at
        return requested is not None and requested >= started

    return run


def _delete(job: Job) -> bool:
    try:
        services.job_delete(job_id=job.pk)
    except Job.DoesNotExist as exc:  # deleted by someone else since it was read
        raise ApplicationError("No such job.", code="not_found", status_code=404) from exc
    return True
