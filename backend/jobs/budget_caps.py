"""A job's own spending cap ("stop at $X"): at the cap it is paused or stopped at a checkpoint.

Checked on every heartbeat of a running job (under its row lock), where its spend is refreshed.
Crossing the cap is what acts, once:

- `stop`: the job goes to `cancelling` (reason "cost too high"); the worker's next reply says
  cancel, it saves a checkpoint at its next step and the job ends `cancelled`.
- `pause`: a pause request with source "budget" (`job_pause`): every reply to the worker says
  pause, it saves a checkpoint at its next step and the job ends `paused`, resumable from that
  checkpoint (after raising the cap, or as it is: the cap only acts on crossing it).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from backend.common.errors import Conflict
from backend.jobs.cancelling import cancel_request_record
from backend.jobs.models import BudgetAction, CancelReason, Job, JobStatus
from backend.jobs.models.pause import PauseSource
from backend.jobs.pausing import job_pause
from backend.jobs.transitions import transition
from backend.telemetry.services import event_record


def job_budget_cap_check(*, job: Job, spent_before: Decimal, now: datetime) -> list[str]:
    """Act on a running job whose spend (`job.final_cost`, just refreshed) crossed its cap since
    the last check (`spent_before`). The caller holds the row lock and saves the returned
    fields."""
    cap = job.budget_cap
    if cap is None or job.status != JobStatus.RUNNING or not spent_before < cap <= job.final_cost:
        return []
    figures = f"Budget cap of ${cap:.2f} reached (${job.final_cost:.2f} spent)"
    step = f"step {job.current_step:,}"
    payload = {"budget_cap": float(cap), "spent": float(job.final_cost), "step": job.current_step}
    if job.budget_action == BudgetAction.STOP:
        changed = transition(job, JobStatus.CANCELLING, now=now)
        changed += cancel_request_record(
            job=job, reason=CancelReason.COST_TOO_HIGH, notes=figures, by=None, now=now
        )
        event_record(
            job=job,
            type="status",
            message=f"{figures}: stopping at the next step after {step}, with a checkpoint",
            payload={**payload, "status": JobStatus.CANCELLING, "budget_action": "stop"},
        )
        return changed
    event_record(
        job=job,
        type="status",
        message=f"{figures}: pausing at the next step after {step}, with a checkpoint",
        payload={**payload, "budget_action": "pause"},
    )
    try:
        paused = job_pause(
            job_id=job.pk,
            source=PauseSource.BUDGET,
            reason=figures,
            details={"budget_cap": payload},
            now=now,
        )
    except Conflict:
        return []  # finalizing: training is over and the job completes in moments
    job.pause_requested_at, job.substatus = paused.pause_requested_at, paused.substatus
    return ["pause_requested_at", "substatus"]
