"""The worker-facing API's protocol layer (one module per entity, re-exported here): lock the
job row, re-check the attempt and its fence, validate, then call the owning apps' services
(`backend/jobs/lifecycle.py` for the job's writes, `backend/telemetry/services.py` for metric
points and events) and say what the worker does next."""

from backend.workerapi.services.attempts import (
    ClaimResult,
    attempt_claim,
    attempt_complete,
    attempt_fail,
    attempt_heartbeat,
)
from backend.workerapi.services.checkpoints import checkpoint_store
from backend.workerapi.services.common import action_for, lock_for_write
from backend.workerapi.services.reports import events_ingest, metrics_ingest
from backend.workerapi.services.stages import stage_update

__all__ = [
    "ClaimResult",
    "action_for",
    "attempt_claim",
    "attempt_complete",
    "attempt_fail",
    "attempt_heartbeat",
    "checkpoint_store",
    "events_ingest",
    "lock_for_write",
    "metrics_ingest",
    "stage_update",
]
