"""The one interface the training loop reports through, plus in-process implementations.

The real reporter (the API client) lives outside this package; it must queue to a background
thread, because the loop calls these methods from its hot path and never waits on the network.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class MetricSample:
    """One logged optimizer step. ``None`` means "not measured at this step", never zero.

    Named apart from the API's stored row (``backend.telemetry.models.MetricPoint``): the
    reporter sends this as a metric point, the API validates and stores it as one."""

    step: int
    epoch: float
    train_loss: float | None = None
    val_loss: float | None = None
    learning_rate: float | None = None
    grad_norm: float | None = None
    tokens_per_second: float | None = None
    gpu_utilization: float | None = None
    gpu_memory_mb: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON serialization."""
        return asdict(self)

    def describe(self, total_steps: int) -> str:
        """The event-log line of a logging interval: "Step 120/500 · train loss 1.234 ·
        val loss 1.301 · lr 2.0e-04 · 1,234 tok/s · GPU 87% · 10,240 MB" (unmeasured
        values are left out, never shown as zero)."""
        parts = [f"Step {self.step:,}/{total_steps:,}"]
        if self.train_loss is not None:
            parts.append(f"train loss {self.train_loss:.4f}")
        if self.val_loss is not None:
            parts.append(f"val loss {self.val_loss:.4f}")
        if self.learning_rate is not None:
            parts.append(f"lr {self.learning_rate:.1e}")
        if self.tokens_per_second is not None:
            parts.append(f"{self.tokens_per_second:,.0f} tok/s")
        if self.gpu_utilization is not None:
            parts.append(f"GPU {self.gpu_utilization:.0f}%")
        if self.gpu_memory_mb is not None:
            parts.append(f"{self.gpu_memory_mb:,.0f} MB")
        return " · ".join(parts)


@runtime_checkable
class Reporter(Protocol):
    """What the loop tells the outside world. Every method must return quickly."""

    def stage(self, stage: str, *, state: str = "active", message: str = "") -> None:
        """Stage transition: stage and state as in worker.contract.names (STAGES, STAGE_STATES)."""

    def substatus(self, message: str) -> None:
        """Short human line, e.g. "Epoch 2/3 · Step 850/2000"."""

    def progress(self, *, step: int, total_steps: int, epoch: int, total_epochs: int) -> None:
        """Optimizer-step progress (called every step; implementations should coalesce)."""

    def metrics(self, point: MetricSample) -> None:
        """One metric point; steps arrive unique and increasing within an attempt."""

    def event(self, type: str, message: str, payload: dict[str, Any] | None = None) -> None:
        """Event-log entry; type in worker.contract.names.EVENT_TYPES."""

    def checkpoint(self, *, path: Path, step: int, sha256: str, metrics: dict[str, Any]) -> None:
        """A checkpoint file was written atomically (the reporter uploads it)."""

    def should_stop(self) -> str | None:
        """None, "cancel" or "pause"; must not block."""


class NullReporter:
    """Discards everything; never asks to stop."""

    def stage(self, stage: str, *, state: str = "active", message: str = "") -> None:
        """Ignore."""

    def substatus(self, message: str) -> None:
        """Ignore."""

    def progress(self, *, step: int, total_steps: int, epoch: int, total_epochs: int) -> None:
        """Ignore."""

    def metrics(self, point: MetricSample) -> None:
        """Ignore."""

    def event(self, type: str, message: str, payload: dict[str, Any] | None = None) -> None:
        """Ignore."""

    def checkpoint(self, *, path: Path, step: int, sha256: str, metrics: dict[str, Any]) -> None:
        """Ignore."""

    def should_stop(self) -> str | None:
        """Never stop."""
        return None


@dataclass
class RecordedCheckpoint:
    """A checkpoint as seen by RecordingReporter."""

    path: Path
    step: int
    sha256: str
    metrics: dict[str, Any]


class RecordingReporter:
    """Keeps every report in memory (tests, demos). Thread-safe for appends.

    ``stop_at``: when set to (step, "cancel"|"pause"), should_stop answers that value once
    progress has reached the step, which lets tests stop a run at an exact step.
    """

    def __init__(self, stop_at: tuple[int, str] | None = None) -> None:
        self.stages: list[tuple[str, str, str]] = []
        self.substatuses: list[str] = []
        self.progress_calls: list[tuple[int, int, int, int]] = []
        self.points: list[MetricSample] = []
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.checkpoints: list[RecordedCheckpoint] = []
        self.stop_at = stop_at
        self.stop_requests: int = 0
        self._step = 0
        self._lock = threading.Lock()

    def stage(self, stage: str, *, state: str = "active", message: str = "") -> None:
        """Record a stage transition."""
        with self._lock:
            self.stages.append((stage, state, message))

    def substatus(self, message: str) -> None:
        """Record a substatus line."""
        with self._lock:
            self.substatuses.append(message)

    def progress(self, *, step: int, total_steps: int, epoch: int, total_epochs: int) -> None:
        """Record progress; it also drives ``stop_at``."""
        with self._lock:
            self._step = step
            self.progress_calls.append((step, total_steps, epoch, total_epochs))

    def metrics(self, point: MetricSample) -> None:
        """Record a metric point."""
        with self._lock:
            self.points.append(point)

    def event(self, type: str, message: str, payload: dict[str, Any] | None = None) -> None:
        """Record an event."""
        with self._lock:
            self.events.append((type, message, dict(payload or {})))

    def checkpoint(self, *, path: Path, step: int, sha256: str, metrics: dict[str, Any]) -> None:
        """Record a checkpoint."""
        with self._lock:
            self.checkpoints.append(RecordedCheckpoint(Path(path), step, sha256, dict(metrics)))

    def should_stop(self) -> str | None:
        """Answer ``stop_at``'s action once its step is reached."""
        self.stop_requests += 1
        if self.stop_at is not None and self._step >= self.stop_at[0]:
            return self.stop_at[1]
        return None

    def events_of(self, type: str) -> list[tuple[str, str, dict[str, Any]]]:
        """Events of one type, in order."""
        return [e for e in self.events if e[0] == type]
