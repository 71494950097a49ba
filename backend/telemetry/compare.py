"""The run comparison read model: 2 to 5 jobs side by side, for the dashboard's Compare page.

For each job its loss curves (downsampled like the metrics endpoint, so spikes survive), the
tokens seen at each step, its final metrics, and its configuration; across them, the names of
the configuration values that differ. Everything is read from stored rows; nothing is
estimated except tokens seen, which is the job's token count spread evenly over its steps
(every optimizer step consumes the same packed rows), and is null when the job has no estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Max, Min

from backend.jobs.models import Job
from backend.telemetry.models import MetricPoint
from backend.telemetry.selectors import metric_mean_tokens_per_second, metrics_downsampled

MIN_JOBS, MAX_JOBS = 2, 5
# Points per job: five curves of 500 points each still draw instantly.
COMPARE_MAX_POINTS = 500
# Configuration beyond the hyperparameters that can explain a difference between runs.
CONFIG_KEYS = ("base_model", "dataset", "gpu_type", "preset")


def _config(job: Job) -> dict[str, Any]:
    values: dict[str, Any] = {
        "base_model": job.base_model,
        "dataset": job.dataset.name if job.dataset is not None else None,
        "gpu_type": job.gpu_type.name,
        "preset": job.preset,
    }
    values.update(job.hyperparameters or {})
    return values


def differing_keys(configs: Sequence[dict[str, Any]]) -> list[str]:
    """Configuration keys whose values are not the same in every run (a key one run lacks
    differs), the fixed keys first, then the hyperparameters by name."""
    keys: list[str] = []
    for config in configs:
        keys.extend(k for k in config if k not in keys)
    differ = [k for k in keys if len({repr(c.get(k)) for c in configs}) > 1]
    fixed = [k for k in CONFIG_KEYS if k in differ]
    return fixed + sorted(k for k in differ if k not in CONFIG_KEYS)


def _tokens_per_step(job: Job) -> float | None:
    if not job.est_total_tokens or not job.est_total_steps:
        return None
    return job.est_total_tokens / job.est_total_steps


def _final_metrics(job: Job, now: datetime) -> dict[str, Any]:
    latest = job.latest_metrics or {}
    agg = MetricPoint.objects.filter(job_id=job.pk).aggregate(
        best_val_loss=Min("val_loss"), peak_gpu_memory_mb=Max("gpu_memory_mb")
    )
    end = job.finished_at or now
    return {
        "step": latest.get("step"),
        "train_loss": latest.get("train_loss"),
        "val_loss": latest.get("val_loss"),
        "best_val_loss": agg["best_val_loss"],
        "mean_tokens_per_second": metric_mean_tokens_per_second(job_id=job.pk),
        "peak_gpu_memory_mb": agg["peak_gpu_memory_mb"],
        "duration_seconds": (
            round((end - job.started_at).total_seconds(), 1) if job.started_at else None
        ),
        "cost": round(float(job.spend_at(now)), 4),
    }


def runs_compare(*, jobs: Sequence[Job], now: datetime) -> dict[str, Any]:
    """The comparison of `jobs` (in the order given) at `now`."""
    configs = [_config(j) for j in jobs]
    runs = []
    for job, config in zip(jobs, configs, strict=True):
        points, total, downsampled = metrics_downsampled(
            job_id=job.pk, after_step=None, max_points=COMPARE_MAX_POINTS
        )
        per_step = _tokens_per_step(job)
        runs.append(
            {
                "id": job.pk,
                "name": job.name,
                "status": job.status,
                "created_at": job.created_at,
                "current_step": job.current_step,
                "total_steps": job.total_steps,
                "tokens_per_step": round(per_step, 2) if per_step is not None else None,
                "config": config,
                "final": _final_metrics(job, now),
                "total_points": total,
                "downsampled": downsampled,
                "points": [
                    {
                        "step": p["step"],
                        "tokens_seen": round(p["step"] * per_step) if per_step else None,
                        "train_loss": p["train_loss"],
                        "val_loss": p["val_loss"],
                    }
                    for p in points
                ],
            }
        )
    return {"differing": differing_keys(configs), "runs": runs}
