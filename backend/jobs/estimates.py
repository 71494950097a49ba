"""Before-launch estimates: steps, tokens, duration per stage, and a ±15% cost range.

Throughput comes from history when jobs of the same model already ran on the same GPU type
(median of their measured real tokens/s); otherwise from the GPU's bf16 FLOPs at a typical
utilisation. Estimates are labelled with their basis so the UI can say how much to trust them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from backend.datasets.models import Dataset
from backend.jobs.catalog import BaseModelInfo, model_info
from backend.jobs.models import GpuType, Job, JobStatus

COST_SPREAD = Decimal("0.15")
# Model FLOPs utilisation a LoRA run typically reaches; LoRA costs ~4 FLOPs/param/token
# (forward + activation gradients; frozen weights get no weight gradients).
TYPICAL_MFU = 0.35
FLOPS_PER_PARAM_TOKEN = 4.0
HISTORY_SAMPLE = 20
FINALIZATION_SECONDS = 5.0


@dataclass(frozen=True)
class Estimate:
    total_steps: int
    total_tokens: int
    epochs: int
    duration_seconds: float
    cost_min: Decimal
    cost_max: Decimal
    hourly_rate: Decimal
    tokens_per_second: float
    basis: str
    stage_seconds: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_steps": self.total_steps,
            "total_tokens": self.total_tokens,
            "epochs": self.epochs,
            "duration_seconds": round(self.duration_seconds, 1),
            "cost_min": float(self.cost_min),
            "cost_max": float(self.cost_max),
            "hourly_rate": float(self.hourly_rate),
            "tokens_per_second": round(self.tokens_per_second, 1),
            "basis": self.basis,
        }


def _history_tokens_per_second(base_model: str, gpu_type: GpuType) -> float | None:
    rates: list[float | None] = list(
        Job.objects.filter(
            status=JobStatus.COMPLETED,
            base_model=base_model,
            gpu_type=gpu_type,
            measured_tokens_per_second__isnull=False,
        )
        .order_by("-finished_at")
        .values_list("measured_tokens_per_second", flat=True)[:HISTORY_SAMPLE]
    )
    positive = [r for r in rates if r is not None and r > 0]
    return statistics.median(positive) if positive else None


def _flops_tokens_per_second(info: BaseModelInfo, gpu_type: GpuType) -> float | None:
    if gpu_type.bf16_tflops <= 0:
        return None
    return gpu_type.bf16_tflops * 1e12 * TYPICAL_MFU / (FLOPS_PER_PARAM_TOKEN * info.parameters)


def estimate_job(
    *,
    dataset: Dataset,
    validation_dataset: Dataset | None,
    base_model: str,
    hyperparameters: dict[str, Any],
    gpu_type: GpuType,
    pricing: str,
) -> Estimate | None:
    """Estimate a job, or None when the model's size is unknown (nothing honest to say)."""
    info = model_info(base_model)
    if info is None:
        return None
    epochs = int(hyperparameters["epochs"])
    val_fraction = 0.0 if validation_dataset is not None else float(hyperparameters["val_fraction"])
    train_tokens = int(dataset.total_chars * (1.0 - val_fraction) / info.chars_per_token)
    tokens_per_step = (
        int(hyperparameters["batch_size"])
        * int(hyperparameters["max_seq_len"])
        * int(hyperparameters["grad_accum_steps"])
    )
    steps_per_epoch = max(1, math.ceil(train_tokens / max(tokens_per_step, 1)))
    total_tokens = train_tokens * epochs

    tps = _history_tokens_per_second(base_model, gpu_type)
    basis = "history"
    if tps is None:
        tps = _flops_tokens_per_second(info, gpu_type)
        basis = "flops"
    if tps is None:
        return None

    stage_seconds = {
        "preprocessing": 2.0 + dataset.total_chars / 5e6,
        "model_loading": info.load_seconds,
        "training": total_tokens / tps,
        "finalization": FINALIZATION_SECONDS,
    }
    duration = sum(stage_seconds.values())
    rate = gpu_type.hourly_rate(pricing)
    cost = Decimal(str(duration)) / Decimal(3600) * rate
    # Four decimals: a short job on a cheap GPU costs fractions of a cent, and an estimate
    # rounded to $0.00 would flag every such job as over budget.
    quant = Decimal("0.0001")
    return Estimate(
        total_steps=steps_per_epoch * epochs,
        total_tokens=total_tokens,
        epochs=epochs,
        duration_seconds=duration,
        cost_min=(cost * (1 - COST_SPREAD)).quantize(quant),
        cost_max=(cost * (1 + COST_SPREAD)).quantize(quant),
        hourly_rate=rate,
        tokens_per_second=tps,
        basis=basis,
        stage_seconds=stage_seconds,
    )
