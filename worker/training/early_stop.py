"""Money-aware early stop: is the rest of the run still worth its money?

From the recent validation curve the loop fits ``L(s) = c + a * exp(-k * s)`` (a plateauing
decay; a nearly straight improving curve is the small-k end of the same family), projects the
val loss at the last step, and compares the improvement still to come -- in percent of the best
val loss so far -- with the dollars the remaining steps cost at the measured step time and the
job's hourly rate. When that gain per dollar falls below the job's threshold
(``early_stop_gain_per_dollar``; 0 turns the option off) the loop stops and finishes with the
adapter of its best validation loss.

Pure: numpy only, no torch, so the decision is tested on synthetic curves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Fewest validation points (the step-0 baseline included) before any projection, and how many
# of the most recent points the fit uses.
MIN_POINTS = 5
WINDOW = 8


@dataclass(frozen=True)
class Projection:
    """What the rest of the run would buy, from the fit of the recent val-loss curve."""

    step: int
    total_steps: int
    best_loss: float
    best_step: int
    projected_final: float
    gain_percent: float  # improvement on best_loss still to come, in percent (>= 0)
    cost_left: float  # dollars the remaining steps cost
    gain_per_dollar: float  # gain_percent / cost_left

    @property
    def fraction_left(self) -> float:
        return (self.total_steps - self.step) / self.total_steps if self.total_steps else 0.0

    def reason(self) -> str:
        """E.g. "last 20% of steps would improve val loss by 0.3% for $41.00"."""
        return (
            f"last {self.fraction_left:.0%} of steps would improve val loss by "
            f"{self.gain_percent:.1f}% for ${_dollars(self.cost_left)}"
        )

    def to_payload(self) -> dict[str, float | int]:
        return {
            "step": self.step,
            "total_steps": self.total_steps,
            "best_val_loss": self.best_loss,
            "best_step": self.best_step,
            "projected_final_val_loss": self.projected_final,
            "gain_percent": self.gain_percent,
            "cost_left": self.cost_left,
            "gain_per_dollar": self.gain_per_dollar,
        }


def _dollars(value: float) -> str:
    return f"{value:,.2f}" if value >= 0.01 else f"{value:.4f}"


def fit_decay(points: Sequence[tuple[int, float]]) -> tuple[float, float, float] | None:
    """Least-squares fit of ``c + a * exp(-k * (s - s0))`` to (step, loss) points.

    k is searched on a log grid across the span of the steps (c and a are linear given k), so
    the fit never diverges. Returns (c, a, k), with s0 the first point's step, or None when the
    points span no steps.
    """
    steps = np.array([p[0] for p in points], dtype=np.float64)
    losses = np.array([p[1] for p in points], dtype=np.float64)
    span = float(steps[-1] - steps[0])
    if len(points) < 3 or span <= 0 or not np.all(np.isfinite(losses)):
        return None
    x = steps - steps[0]
    best: tuple[float, float, float, float] | None = None
    for k in np.geomspace(0.01 / span, 20.0 / span, 80):
        design = np.stack([np.ones_like(x), np.exp(-k * x)], axis=1)
        coef, *_ = np.linalg.lstsq(design, losses, rcond=None)
        sse = float(np.sum((design @ coef - losses) ** 2))
        if best is None or sse < best[0]:
            best = (sse, float(coef[0]), float(coef[1]), float(k))
    assert best is not None
    return best[1], best[2], best[3]


def project(
    points: Sequence[tuple[int, float]],
    *,
    total_steps: int,
    seconds_per_step: float,
    hourly_rate: float,
) -> Projection | None:
    """Project the val loss at ``total_steps`` from the recent curve and price the steps left.

    ``points``: (step, val loss) in step order, the step-0 baseline first. None until there
    are MIN_POINTS of them, or when the steps left cost nothing (nothing to save).
    """
    if len(points) < MIN_POINTS or total_steps <= 0:
        return None
    step = points[-1][0]
    cost_left = max(total_steps - step, 0) * seconds_per_step * hourly_rate / 3600.0
    if cost_left <= 0 or not math.isfinite(cost_left):
        return None
    fit = fit_decay(points[-WINDOW:])
    if fit is None:
        return None
    c, a, k = fit
    s0 = points[-WINDOW:][0][0]
    best_step, best_loss = min(points, key=lambda p: p[1])
    # A rising fit (a < 0: over-fitting) projects no gain beyond the best point so far.
    projected = c + a * math.exp(-k * (total_steps - s0))
    gain = max(best_loss - projected, 0.0) / best_loss * 100.0 if best_loss > 0 else 0.0
    return Projection(
        step=step,
        total_steps=total_steps,
        best_loss=best_loss,
        best_step=best_step,
        projected_final=projected,
        gain_percent=gain,
        cost_left=cost_left,
        gain_per_dollar=gain / cost_left,
    )


def should_stop(projection: Projection | None, threshold: float) -> bool:
    """True when the option is on and the projected gain per dollar is below the threshold."""
    return threshold > 0 and projection is not None and projection.gain_per_dollar < threshold
