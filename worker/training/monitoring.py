"""Stage bookkeeping, failure classification and the loss-spike / GPU-drop watchers."""

from __future__ import annotations

import contextlib
import math
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

import torch

from worker.contract.names import ANOMALY_SPIKE_FACTOR, ANOMALY_WINDOW

from .checkpoints import CheckpointError
from .data import DatasetError
from .errors import TrainingFailure
from .models import ModelLoadError
from .reporting import Reporter


def classify(exc: BaseException, *, stage: str) -> TrainingFailure:
    """Map any exception to a TrainingFailure with the job-facing category."""
    if isinstance(exc, TrainingFailure):
        exc.stage = exc.stage or stage
        return exc
    if isinstance(exc, DatasetError):
        return TrainingFailure(
            category="invalid_dataset",
            message=str(exc),
            # DatasetError uses 0 for "the file as a whole"; the API takes 1-based lines or
            # null, and refused the whole failure report (400) for a 0.
            line=exc.line or None,
            stage=stage,
            details={"errors": [{"line": ln, "message": m} for ln, m in exc.errors]},
        )
    if isinstance(exc, ModelLoadError):
        return TrainingFailure(category="model_load_failed", message=str(exc), stage=stage)
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)) or (
        isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc)
    ):
        return TrainingFailure(
            category="out_of_memory",
            message=f"out of memory during {stage}: {str(exc)[:300]} -- reduce batch_size or "
            "max_seq_len",
            stage=stage,
        )
    reason = "checkpoint_invalid" if isinstance(exc, CheckpointError) else type(exc).__name__
    return TrainingFailure(
        category="internal_error",
        message=f"{type(exc).__name__}: {exc}",
        stage=stage,
        details={"reason": reason},
    )


class StageTracker:
    """Reports stage transitions with durations; turns exceptions into TrainingFailure."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.durations: dict[str, float] = {}

    @contextlib.contextmanager
    def run(self, stage: str, *, complete: bool = True) -> Iterator[None]:
        """Mark ``stage`` active, then completed (when ``complete``) or failed."""
        self.reporter.stage(stage, state="active")
        self.reporter.event("status", f"Stage {stage} started", {"stage": stage})
        t0 = time.perf_counter()
        try:
            yield
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            failure = classify(exc, stage=stage)
            self.durations[stage] = time.perf_counter() - t0
            self.reporter.stage(stage, state="failed", message=failure.message[:500])
            self.reporter.event(
                "error",
                f"Stage {stage} failed ({failure.category}): {failure.message[:500]}",
                failure.to_dict(),
            )
            raise failure from exc
        self.durations[stage] = time.perf_counter() - t0
        if complete:
            self.complete(stage)

    def complete(self, stage: str) -> None:
        """Report ``stage`` completed with the duration measured by ``run``."""
        took = self.durations.get(stage, 0.0)
        self.reporter.stage(stage, state="completed", message=f"{took:.1f}s")
        self.reporter.event(
            "status",
            f"Stage {stage} completed in {took:.1f}s",
            {"stage": stage, "duration_s": round(took, 3)},
        )


class SpikeWatch:
    """Warns when a logged train loss exceeds ``factor`` x the running mean of earlier ones."""

    def __init__(self, factor: float = 2.0, warmup_points: int = 3, beta: float = 0.9) -> None:
        self.factor = factor
        self.warmup_points = warmup_points
        self.beta = beta
        self.mean: float | None = None
        self.n = 0

    def update(self, loss: float) -> float | None:
        """Feed one logged loss; return the running mean it spiked over, else None."""
        spiked = None
        mean = self.mean
        if mean is not None and self.n >= self.warmup_points and loss > self.factor * mean:
            spiked = mean
        self.mean = loss if self.mean is None else self.beta * self.mean + (1 - self.beta) * loss
        self.n += 1
        return spiked


class AnomalyWatch:
    """Anomaly auto-pause: finds a non-finite loss, or a logged train loss above
    ANOMALY_SPIKE_FACTOR x the mean of the previous ANOMALY_WINDOW logged losses, and remembers
    the last good checkpoint (the step the run resumes from) and the curve around it.

    Once ``found`` is set the loop stops without saving: the state is past the anomaly.
    """

    def __init__(
        self,
        start_step: int,
        *,
        factor: float = ANOMALY_SPIKE_FACTOR,
        window: int = ANOMALY_WINDOW,
    ) -> None:
        self.factor = factor
        self.window: deque[tuple[int, float]] = deque(maxlen=window)
        self.last_good_step = start_step
        self.found: dict[str, Any] | None = None

    def checkpointed(self, step: int) -> None:
        """A checkpoint of a run with no anomaly so far was saved at ``step``."""
        self.last_good_step = step

    def update(self, step: int, loss: float | None, lr: float) -> dict[str, Any] | None:
        """Feed one logged train loss; return (and keep) the anomaly it shows, else None."""
        if loss is None:
            return None
        if not math.isfinite(loss):
            return self.non_finite(step, lr)
        if len(self.window) == self.window.maxlen:
            baseline = sum(v for _, v in self.window) / len(self.window)
            if baseline > 0 and loss > self.factor * baseline:
                return self._found("loss_spike", step, loss, baseline, lr)
        self.window.append((step, loss))
        return None

    def non_finite(self, step: int, lr: float) -> dict[str, Any]:
        """The loss became NaN/inf at ``step``."""
        return self._found("non_finite_loss", step, None, None, lr)

    def _found(
        self, kind: str, step: int, loss: float | None, baseline: float | None, lr: float
    ) -> dict[str, Any]:
        curve = [{"step": s, "train_loss": v} for s, v in self.window]
        self.found = {
            "kind": kind,
            "step": step,
            "loss": loss,
            "baseline": baseline,
            "ratio": round(loss / baseline, 3) if loss is not None and baseline else None,
            "learning_rate": lr,
            "curve": [*curve, {"step": step, "train_loss": loss}],
            "resume_step": self.last_good_step,
        }
        return self.found


class GpuDropWatch:
    """Warns when GPU utilization falls below half its running mean (input starvation, a
    straggling host, thermal throttling); at most once per ``cooldown`` samples."""

    def __init__(self, cooldown: int = 20) -> None:
        self.mean: float | None = None
        self.n = 0
        self.cooldown = cooldown
        self.quiet = 0

    def update(self, util: float | None) -> float | None:
        """Feed one utilization sample; return the running mean it dropped from, else None."""
        if util is None:
            return None
        dropped = None
        self.quiet = max(0, self.quiet - 1)
        low = self.mean is not None and self.n >= 3 and self.mean >= 30 and util < 0.5 * self.mean
        if low and self.quiet == 0:
            dropped = self.mean
            self.quiet = self.cooldown
        self.mean = util if self.mean is None else 0.8 * self.mean + 0.2 * util
        self.n += 1
        return dropped
