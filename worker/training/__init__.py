"""LoRA fine-tuning core: config, data, models, loop, checkpoints. Never imports Django.

How the Celery task drives it (``worker.runner``): the API client downloads the dataset and the
resume checkpoint, ``worker.reporter.ApiReporter`` is the Reporter (it queues every report and
ships it from its own threads; its heartbeat answers ``should_stop``), and the outcome goes back
through the same client::

    config = TrainingConfig.from_dict({**job["hyperparameters"], "base_model": job["base_model"]})
    try:
        result = run_training(
            config=config,
            dataset_path=downloaded_dataset,          # JSONL
            val_dataset_path=downloaded_val_or_None,
            work_dir=attempt_dir,                     # checkpoints/ and adapter.tar.gz go here
            reporter=api_reporter,
            resume_from=downloaded_checkpoint_or_None,
            resume_sha256=checkpoint_sha256_or_None,
        )
    except TrainingFailure as failure:
        client.fail(**failure.to_dict(), events=...)  # category, message, step, line, stage
    else:
        client.complete(result=..., adapter=result.adapter_path, ...)  # or stopped="cancel"/"pause"
"""

from __future__ import annotations

from .artifacts import evaluate_adapter, extract_adapter_archive
from .checkpoints import CheckpointError, load_checkpoint, save_checkpoint, sha256_file
from .config import TrainingConfig
from .data import DatasetError
from .errors import FAILURE_CATEGORIES, TrainingFailure, TrainingResult
from .loop import run_training
from .models import MODEL_PRESETS, ModelLoadError
from .prepare import PreparedData, prepare_data
from .reporting import MetricSample, NullReporter, RecordingReporter, Reporter

__all__ = [
    "FAILURE_CATEGORIES",
    "MODEL_PRESETS",
    "CheckpointError",
    "DatasetError",
    "MetricSample",
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
