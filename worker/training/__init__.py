"""LoRA fine-tuning core: config, data, models, loop, checkpoints. Never imports Django.

Calling it from a Celery task (the API client provides a Reporter that queues to a thread,
e.g. a ThreadedReporter whose ``send`` POSTs batches and whose heartbeat calls request_stop)::

    config = TrainingConfig.from_dict(job_spec["hyperparameters"] | {"base_model": ...})
    try:
        result = run_training(
            config=config,
            dataset_path=downloaded_dataset,          # JSONL
            val_dataset_path=downloaded_val_or_None,
            work_dir=attempt_dir,                     # checkpoints/ and adapter.tar.gz go here
            reporter=reporter,
            resume_from=downloaded_checkpoint_or_None,
            resume_sha256=checkpoint_sha256_or_None,
        )
    except TrainingFailure as failure:
        api.fail(**failure.to_dict())                 # category, message, step, line, stage
    else:
        if result.stopped is None:
            api.complete(adapter=result.adapter_path, sha256=result.adapter_sha256, ...)
        else:                                         # "cancel" / "pause"
            api.stopped(result.stopped, checkpoint=result.checkpoint_path, ...)
"""

from __future__ import annotations

from .artifacts import evaluate_adapter, extract_adapter_archive
from .checkpoints import CheckpointError, load_checkpoint, save_checkpoint, sha256_file
from .config import TrainingConfig
from .data import DatasetError
from .errors import FAILURE_CATEGORIES, TrainingFailure, TrainingResult
from .loop import run_training
from .models import PRESETS, ModelLoadError
from .prepare import PreparedData, prepare_data
from .reporting import MetricPoint, NullReporter, RecordingReporter, Reporter

__all__ = [
    "FAILURE_CATEGORIES",
    "PRESETS",
    "CheckpointError",
    "DatasetError",
    "MetricPoint",
    "ModelLoadError",
    "NullReporter",
    "PreparedData",
    "RecordingReporter",
    "Reporter",
    "TrainingConfig",
    "TrainingFailure",
    "TrainingResult",
    "evaluate_adapter",
    "extract_adapter_archive",
    "load_checkpoint",
    "prepare_data",
    "run_training",
    "save_checkpoint",
    "sha256_file",
]
