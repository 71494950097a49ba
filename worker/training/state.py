"""Loop state that survives a checkpoint, and turning it into metric points.

Losses and grad norms are summed in device tensors between metric points; the first step with a
non-finite loss is recorded on the device too, so the hot path never synchronizes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .errors import TrainingFailure
from .gpu import GpuMonitor
from .monitoring import GpuDropWatch, SpikeWatch
from .reporting import MetricSample, Reporter


@dataclass
class TrainState:
    """Mutable run state; everything here is in the checkpoint.

    The ``interval_*`` fields are sums since the last metric point. Tensors live on the device
    and are only read when a point is emitted.
    """

    step: int
    interval_loss: torch.Tensor
    interval_grad_norm: torch.Tensor
    first_bad_step: torch.Tensor
    interval_trainable: int = 0
    interval_tokens: int = 0
    interval_steps: int = 0
    interval_seconds: float = 0.0
    tokens_seen: int = 0
    initial_val_loss: float | None = None
    last_val_loss: float | None = None
    last_train_loss: float | None = None

    @classmethod
    def fresh(cls, dev: torch.device) -> TrainState:
        """Step 0 with empty sums."""
        z = torch.zeros((), device=dev, dtype=torch.float64)
        return cls(0, z, z.clone(), torch.full((), -1, device=dev, dtype=torch.long))

    def to_dict(self) -> dict[str, Any]:
        """Checkpointable form (tensors moved to CPU)."""
        out = dict(vars(self))
        for key in ("interval_loss", "interval_grad_norm", "first_bad_step"):
            out[key] = out[key].detach().cpu()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any], dev: torch.device) -> TrainState:
        """Inverse of to_dict."""
        d = dict(d)
        for key in ("interval_loss", "interval_grad_norm", "first_bad_step"):
            d[key] = d[key].to(dev)
        return cls(**d)


def check_finite(state: TrainState) -> None:
    """Raise nan_loss if any step so far had a non-finite loss (this syncs)."""
    bad = int(state.first_bad_step.item())
    if bad >= 0:
        raise TrainingFailure(
            category="nan_loss",
            step=bad,
            message=f"loss became NaN/inf at step {bad}; lower learning_rate",
        )


def flush_interval(state: TrainState, lr: float, epoch: float, monitor: GpuMonitor) -> MetricSample:
    """Turn the interval sums into a MetricSample (one device sync) and reset them."""
    loss_sum_, gn_sum, bad = torch.stack(
        [state.interval_loss, state.interval_grad_norm, state.first_bad_step.double()]
    ).tolist()
    if bad >= 0:
        raise TrainingFailure(
            category="nan_loss",
            step=int(bad),
            message=f"loss became NaN/inf at step {int(bad)}; lower learning_rate",
        )
    n = max(1, state.interval_steps)
    point = MetricSample(
        step=state.step,
        epoch=round(epoch, 4),
        train_loss=loss_sum_ / max(1, state.interval_trainable),
        learning_rate=lr,
        grad_norm=gn_sum / n,
        tokens_per_second=state.interval_tokens / max(state.interval_seconds, 1e-9),
        **gpu_fields(monitor),
    )
    state.last_train_loss = point.train_loss
    state.interval_loss.zero_()
    state.interval_grad_norm.zero_()
    state.interval_trainable = state.interval_tokens = state.interval_steps = 0
    state.interval_seconds = 0.0
    return point


def gpu_fields(monitor: GpuMonitor) -> dict[str, float | None]:
    """NVML utilization/memory, or None for both on a CPU host."""
    sample = monitor.sample()
    if sample is None:
        return {"gpu_utilization": None, "gpu_memory_mb": None}
    return {"gpu_utilization": sample.utilization_percent, "gpu_memory_mb": sample.memory_used_mb}


def warn_on_anomalies(
    point: MetricSample, spikes: SpikeWatch, drops: GpuDropWatch, reporter: Reporter
) -> None:
    """Loss spike (> 2x running mean) and GPU utilization drop warnings."""
    if point.train_loss is not None:
        mean = spikes.update(point.train_loss)
        if mean is not None:
            reporter.event(
                "warning",
                f"Loss spike at step {point.step}: {point.train_loss:.3f} "
                f"vs running mean {mean:.3f}",
                {"step": point.step, "train_loss": point.train_loss, "mean": mean},
            )
    dropped = drops.update(point.gpu_utilization)
    if dropped is not None:
        reporter.event(
            "warning",
            f"GPU utilization dropped to {point.gpu_utilization:.0f}% "
            f"(running mean {dropped:.0f}%)",
            {"step": point.step},
        )
