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
# and the queue the GPU workers consume.
RUN_JOB_TASK = "worker.run_job"
TRAINING_QUEUE = "training"
