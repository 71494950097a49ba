"""The job's forecast read model: elapsed and remaining time, each stage's current estimate, spend
and projected final cost, computed at one instant. One model for every reader: the job detail
(`JobDetailSerializer`), the queue's finish and start estimates (`backend.scheduling.selectors`)
and the over-budget flag, so the dashboard and the queue never disagree about the same job.

Rules, in order:
- A finished job has nothing left; its projection is what it spent.
- Every stage's estimate is refreshed from measurement once it runs: a completed stage's
  estimate is its real duration; the training stage, once this attempt has run steps, is its
  elapsed time plus the steps left at the measured step rate; another active stage is at least
  as long as it has taken so far. Pending stages keep the pre-launch estimate.
- Remaining = the refreshed estimates of what has not finished, less what the active stage
  already spent ("measured" once training has a step rate, "estimate" before).
- Projected final cost = spend so far + remaining at the job's hourly rate.
- A paused job accrues nothing and has no step rate to extrapolate (the clock runs, training
  does not): what is left is the resume estimate on its own GPU type from its newest
  checkpoint (the resume dialog's figure), and the projection is the spend so far plus the
  middle of that estimate's cost range; both stay put while the job waits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from backend.jobs.models import FINISHED_STATUSES, Job, JobStatus, Stage, StageRun, StageState

# Finalization (saving and uploading the adapter) when no estimate was stored for it.
DEFAULT_FINALIZATION_SECONDS = 5.0
# A job whose size is unknown (no estimate): an hour is the usual order of a LoRA fine-tune, and
# saying nothing would leave every job queued behind it without a start estimate too.
FALLBACK_DURATION_SECONDS = 3600.0
_CENT = Decimal("0.0001")


@dataclass(frozen=True)
class StageForecast:
    stage: str
    estimated_seconds: float | None
    # "measured" (the real duration, or refreshed from progress), "estimate" (pre-launch).
    basis: str


@dataclass(frozen=True)
class JobForecast:
    elapsed_seconds: float | None
    remaining_seconds: float | None
    remaining_basis: str | None
    stages: dict[str, StageForecast]
    current_spend: Decimal
    projected_final: Decimal | None
    percent_of_estimate: float | None
    over_estimate: bool


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round(max((end - start).total_seconds(), 0.0), 1)


def stage_forecasts(
    job: Job, stages: Sequence[StageRun], now: datetime
) -> dict[str, StageForecast]:
    """Each stage's estimate, refreshed from measurement where the stage has run."""
    training_left = job.measured_training_seconds_left(now)
    out: dict[str, StageForecast] = {}
    for s in stages:
        if s.state == StageState.COMPLETED and s.started_at and s.finished_at:
            value = _seconds(s.started_at, s.finished_at)
            out[s.stage] = StageForecast(s.stage, value, "measured")
        elif s.state == StageState.ACTIVE and s.started_at is not None:
            spent = _seconds(s.started_at, now) or 0.0
            if s.stage == Stage.TRAINING and training_left is not None:
                out[s.stage] = StageForecast(s.stage, round(spent + training_left, 1), "measured")
            elif s.estimated_seconds is not None:
                out[s.stage] = StageForecast(
                    s.stage, round(max(s.estimated_seconds, spent), 1), "estimate"
                )
            else:
                out[s.stage] = StageForecast(s.stage, None, "estimate")
        else:
            out[s.stage] = StageForecast(s.stage, s.estimated_seconds, "estimate")
    return out


def queued_duration_seconds(job: Job) -> float:
    """Seconds of work a job that does not hold a slot still needs: its whole estimate, less the
    share of training its checkpoint already covers (a recovering job resumes there)."""
    total = job.est_duration_seconds or FALLBACK_DURATION_SECONDS
    if job.resume_step and job.total_steps:
        total *= 1.0 - min(1.0, job.resume_step / job.total_steps)
    return max(total, 0.0)


def remaining_seconds(
    job: Job, stages: Sequence[StageRun], now: datetime
) -> tuple[float | None, str | None]:
    """(seconds left, basis) for any job; (None, None) when nothing honest can be said."""
    if job.status in FINISHED_STATUSES:
        return 0.0, "measured"
    forecasts = stage_forecasts(job, stages, now)
    by_stage = {s.stage: s for s in stages}
    training_left = job.measured_training_seconds_left(now)
    training = by_stage.get(Stage.TRAINING)
    if training_left is not None and (training is None or training.state != StageState.COMPLETED):
        final = by_stage.get(Stage.FINALIZATION)
        if final is not None and final.state == StageState.COMPLETED:
            after = 0.0
        elif final is not None and final.estimated_seconds is not None:
            after = final.estimated_seconds
        else:
            after = DEFAULT_FINALIZATION_SECONDS
        return round(training_left + after, 1), "measured"
    pending = [s for s in stages if s.state != StageState.COMPLETED]
    if (
        stages
        and pending
        and all(forecasts[s.stage].estimated_seconds is not None for s in pending)
    ):
        total = 0.0
        for s in pending:
            estimate = forecasts[s.stage].estimated_seconds or 0.0
            spent = (_seconds(s.started_at, now) or 0.0) if s.state == StageState.ACTIVE else 0.0
            total += max(estimate - spent, 0.0)
        return round(total, 1), "estimate"
    if job.est_duration_seconds is not None:
        # No per-stage estimates: the whole estimate from the attempt's start.
        start = job.billing_since or job.started_at or now
        left = queued_duration_seconds(job) - max((now - start).total_seconds(), 0.0)
        return round(max(left, 0.0), 1), "estimate"
    return None, None


def job_forecast(job: Job, stages: Sequence[StageRun], now: datetime) -> JobForecast:
    """The whole read model of one job at `now` (stages: the job's StageRuns, prefetched)."""
    spend = job.spend_at(now)
    projected: Decimal | None = None
    if job.status == JobStatus.PAUSED:
        remaining, basis, projected = _paused_remaining(job, spend)
    else:
        remaining, basis = remaining_seconds(job, stages, now)
    if job.status in FINISHED_STATUSES:
        projected = spend
    elif remaining is not None and projected is None:
        projected = (spend + Decimal(str(remaining)) / Decimal(3600) * job.hourly_rate).quantize(
            _CENT
        )
    est_max = job.est_cost_max
    return JobForecast(
        elapsed_seconds=_seconds(job.started_at, job.finished_at or now),
        remaining_seconds=remaining,
        remaining_basis=basis if remaining is not None else None,
        stages=stage_forecasts(job, stages, now),
        current_spend=spend,
        projected_final=projected,
        percent_of_estimate=round(float(spend / est_max) * 100, 1) if est_max else None,
        over_estimate=bool(est_max is not None and spend > est_max),
    )


def _paused_remaining(job: Job, spend: Decimal) -> tuple[float | None, str | None, Decimal | None]:
    """(seconds left, basis, projected final cost) of a paused job if resumed on its own GPU
    type; all None without a resume estimate."""
    # Imported here: pausing needs the estimator, whose queue estimates import this module.
    from backend.jobs.pausing import resume_estimate

    left = resume_estimate(job=job, gpu_type=job.gpu_type)
    if left is None:
        return None, None, None
    middle = (left.cost_min + left.cost_max) / 2
    return round(left.duration_seconds, 1), "estimate", (spend + middle).quantize(_CENT)
