"""Outcome types of a training run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker.contract.names import WORKER_FAILURE_CATEGORIES

# The categories a worker may report (the contract's; "worker_lost" is the API's alone).
FAILURE_CATEGORIES = WORKER_FAILURE_CATEGORIES


class TrainingFailure(Exception):
    """A run that cannot continue. ``category`` maps to the job's error code.

    ``step``: optimizer step where it happened (nan_loss: the first step whose loss was not
    finite); ``line``: dataset line for invalid_dataset; ``stage``: the stage that failed.
    """

    def __init__(
        self,
        *,
        category: str,
        message: str,
        step: int | None = None,
        line: int | None = None,
        stage: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        if category not in FAILURE_CATEGORIES:
            raise ValueError(f"unknown failure category {category!r}")
        super().__init__(message)
        self.category = category
        self.message = message
        self.step = step
        self.line = line
        self.stage = stage
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """Payload for the fail endpoint."""
        return {
            "category": self.category,
            "message": self.message,
            "step": self.step,
            "line": self.line,
            "stage": self.stage,
            "details": self.details,
        }


@dataclass
class TrainingResult:
    """What a run produced. ``stopped`` is None for a finished run, else "cancel"/"pause"
    (then ``checkpoint_path`` is the resume point and ``adapter_path`` is None)."""

    stopped: str | None
    step: int
    total_steps: int
    epoch: float
    adapter_path: Path | None = None
    adapter_sha256: str | None = None
    checkpoint_path: Path | None = None
    checkpoint_sha256: str | None = None
    initial_val_loss: float | None = None
    final_val_loss: float | None = None
    final_train_loss: float | None = None
    tokens_seen: int = 0
    trainable_params: int = 0
    total_params: int = 0
    duration_s: float = 0.0
    counts: dict[str, Any] = field(default_factory=dict)
    # Anomaly auto-pause: what was found (kind, step, loss, curve, resume_step); then
    # ``stopped`` is "pause", ``step`` the last good checkpoint's and nothing new was saved.
    anomaly: dict[str, Any] | None = None
    # Set when the money-aware early stop ended training (early_stop.Projection.to_payload()
    # plus "reason" and "adapter_step"): the adapter is the best val-loss one, not the last.
    early_stop: dict[str, Any] | None = None
