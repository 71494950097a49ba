"""The cancel request: what every cancel writes on the job, whoever asks for it.

A person (`job_cancel`) and a job's own budget cap with the "stop" action
(`job_budget_cap_check`) both cancel; the request they record is the same, so the dashboard,
the events and the admin read one set of fields whichever way the cancel came.
"""

from __future__ import annotations

from datetime import datetime

from backend.accounts.models import User
from backend.jobs.models import Job


def cancel_request_record(
    *, job: Job, reason: str, notes: str, by: User | None, now: datetime
) -> list[str]:
    """Write the cancel request (reason, notes, who, when) on a job whose row lock the caller
    holds, and return the names of the fields it set; the caller saves them together with its
    status change (`transition()` to cancelling, or `job_cancel_finalize` for a job that never
    started or is paused), so a cancel is never half recorded.

    `by` is the person who cancelled; None for the system (a budget cap).
    """
    job.cancel_reason = reason
    job.cancel_notes = notes
    job.cancelled_by = by
    job.cancel_requested_at = now
    return ["cancel_reason", "cancel_notes", "cancelled_by", "cancel_requested_at"]
