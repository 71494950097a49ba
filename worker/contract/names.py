"""Shared vocabularies of the worker protocol: stages, events, failures, metrics, task routing.

The Django models keep their ``TextChoices`` (they carry the display labels); the contract test
(``tests/test_contract.py``) fails when their values and these tuples disagree.
"""

from __future__ import annotations

# The four stages of a run, in order, and the states the worker reports for each.
STAGES: tuple[str, ...] = ("preprocessing", "model_loading", "training", "finalization")
STAGE_STATES: tuple[str, ...] = ("active", "completed", "failed")

# Types of event-log entries (the worker sends all but "status", which the API writes too).
EVENT_TYPES: tuple[str, ...] = ("status", "metrics", "warning", "error", "info", "checkpoint")

# Why a run failed, in display order. The API alone decides "worker_lost" (the reaper, when a
# worker stopped answering); the worker reports any of the others to the fail endpoint.
WORKER_LOST = "worker_lost"
FAILURE_CATEGORIES: tuple[str, ...] = (
    "invalid_dataset",
    "model_load_failed",
    "out_of_memory",
    "nan_loss",
    WORKER_LOST,
    "internal_error",
)
WORKER_FAILURE_CATEGORIES: tuple[str, ...] = tuple(
    c for c in FAILURE_CATEGORIES if c != WORKER_LOST
)

# The measured values of a metric point, in API order (everything but step and time).
# ``None`` means "not measured at this step", never zero.
METRIC_VALUE_FIELDS: tuple[str, ...] = (
    "epoch",
    "train_loss",
    "val_loss",
    "learning_rate",
    "grad_norm",
    "tokens_per_second",
    "gpu_utilization",
    "gpu_memory_mb",
)

# The Celery task the dispatcher sends by name (the API never imports the worker's task code)
# and the queues the workers consume: one per pool (GPU type), `training.<type slug>`; a worker
# serves exactly one. TRAINING_QUEUE alone is the prefix (and what tests that drive a worker
# directly, without the dispatcher, use).
RUN_JOB_TASK = "worker.run_job"
TRAINING_QUEUE = "training"
# The type of a worker without a GPU (and of `make run`'s workers): a catalog slug like any other.
CPU_GPU_TYPE = "cpu"


def pool_queue(gpu_type: str) -> str:
    """The Celery queue of a pool: the API sends a job only to its own type's queue."""
    return f"{TRAINING_QUEUE}.{gpu_type}"


# Anomaly auto-pause (a per-job option, on by default): what the worker watches for. A logged
# train loss above ANOMALY_SPIKE_FACTOR x the mean of the previous ANOMALY_WINDOW logged losses
# is a spike (after ANOMALY_WINDOW points); a NaN/inf loss is non-finite. Either pauses the job
# at its last good checkpoint, and the suggested fix resumes there with the learning rate
# multiplied by ANOMALY_LR_FACTOR.
ANOMALY_KINDS: tuple[str, ...] = ("non_finite_loss", "loss_spike")
ANOMALY_SPIKE_FACTOR = 3.0
ANOMALY_WINDOW = 5
ANOMALY_LR_FACTOR = 0.5
