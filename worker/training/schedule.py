"""Learning-rate schedules as pure functions of the optimizer step."""

from __future__ import annotations

import math


def warmup_steps_for(total_steps: int, warmup_ratio: float) -> int:
    """Number of warmup steps: ceil(ratio * total), never the whole run."""
    if total_steps <= 1 or warmup_ratio <= 0:
        return 0
    return min(math.ceil(total_steps * warmup_ratio), total_steps - 1)


def lr_at(
    step: int,
    *,
    base_lr: float,
    total_steps: int,
    warmup_steps: int,
    kind: str = "cosine",
    min_ratio: float = 0.0,
) -> float:
    """Learning rate used for optimizer step ``step`` (1-based: the first update is step 1).

    Warmup rises linearly to ``base_lr`` at ``warmup_steps``; afterwards the rate decays along a
    half cosine or a straight line towards ``base_lr * min_ratio``, which it would reach one step
    after ``total_steps`` -- so the last update still moves the weights instead of using lr 0.
    """
    if kind not in ("cosine", "linear"):
        raise ValueError(f"unknown lr_scheduler {kind!r}")
    if step <= 0:
        return 0.0 if warmup_steps > 0 else base_lr
    if warmup_steps > 0 and step <= warmup_steps:
        return base_lr * step / warmup_steps
    decay_steps = max(1, total_steps - warmup_steps + 1)
    progress = min(1.0, (step - warmup_steps) / decay_steps)
    # cosine: half a period from 1 down to 0; linear: a straight line
    factor = 0.5 * (1.0 + math.cos(math.pi * progress)) if kind == "cosine" else 1.0 - progress
    return base_lr * (min_ratio + (1.0 - min_ratio) * factor)
