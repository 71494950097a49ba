from backend.jobs.models.attempt import Attempt, AttemptEnd
from backend.jobs.models.checkpoint import Checkpoint
from backend.jobs.models.gpu import CPU_SLUG, GpuType, pool_queue
from backend.jobs.models.job import (
    ACTIVE_STATUSES,
    BILLED_STATUSES,
    FINISHED_STATUSES,
    BudgetAction,
    CancelReason,
    ErrorCategory,
    Job,
    JobStatus,
    Preset,
    Pricing,
    Priority,
    Stage,
)
from backend.jobs.models.pause import JobPause, PauseSource, PauseState
from backend.jobs.models.sample import RunSample
from backend.jobs.models.stage import StageRun, StageState

__all__ = [
    "ACTIVE_STATUSES",
    "BILLED_STATUSES",
    "CPU_SLUG",
    "FINISHED_STATUSES",
    "Attempt",
    "AttemptEnd",
    "BudgetAction",
    "CancelReason",
    "Checkpoint",
    "ErrorCategory",
    "GpuType",
    "Job",
    "JobPause",
    "JobStatus",
    "PauseSource",
    "PauseState",
    "Preset",
    "Pricing",
    "Priority",
    "RunSample",
    "Stage",
    "StageRun",
    "StageState",
    "pool_queue",
]
