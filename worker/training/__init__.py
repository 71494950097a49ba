"""LoRA fine-tuning core: config, data, models, loop, checkpoints. Never imports Django."""

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
