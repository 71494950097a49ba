"""Before-launch estimates: steps, tokens, duration per stage, and a cost band whose width says
how much the estimate can be trusted.

Throughput and stage durations come from measured runs (`RunSample`): the nearest similar runs
on the same GPU type and base model (distance over LoRA rank and targets, sequence-length bucket
and micro-batch settings). The prediction is their median; the band comes from their observed
spread (a few samples give a wider band than many). Without any sample the GPU's bf16 FLOPs at a
typical utilisation is the prior: labelled `flops` and "rough", with a wide band. A type without
a FLOPs figure (the CPU type) and a model of unknown size get no estimate at all: nothing honest
to say until a run is measured.

The same module records samples: `sample_record_early` when a run first reports its measured
tokens/s (the first sample for a new combination; a job priced on the rough prior is re-based on
it), `sample_record_final` when it completes.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from backend.datasets.models import Dataset
from backend.jobs.catalog import BaseModelInfo, model_info
from backend.jobs.models import FINISHED_STATUSES, GpuType, Job, RunSample, Stage, StageRun
from backend.jobs.models.gpu import CPU_SLUG
from backend.jobs.models.stage import StageState

# Model FLOPs utilisation a LoRA run typically reaches; LoRA costs ~4 FLOPs/param/token
# (forward + activation gradients; frozen weights get no weight gradients).
TYPICAL_MFU = 0.35
FLOPS_PER_PARAM_TOKEN = 4.0
FINALIZATION_SECONDS = 5.0
# How many similar runs a prediction uses, and how far "similar" may stretch (see _distance).
NEIGHBOURS = 8
MAX_DISTANCE = 3.0
MIN_EXACT = 3
# Extra band per unit of distance to the runs used: a neighbour's settings differ from this job's.
BAND_PER_DISTANCE = 0.1
# Half-width of the cost band, relative to the midpoint: from the samples' spread, never
# narrower than MIN_BAND; the FLOPs prior is off by a factor on real hardware, hence ROUGH_BAND.
MIN_BAND = 0.08
ROUGH_BAND = 0.5
# The CPU type trains on a host it shares (the web server, the scheduler, other workers, whatever
# else runs there): its throughput follows that host's load, which no history predicts, so its
# band is never narrower than this. Measured under `make run` on a loaded 2-core machine: later
# demo jobs landed from -12% to +26% of their history-based prediction.
SHARED_HOST_MIN_BAND = 0.3
# The band is a 95% prediction interval from the samples' relative spread: Student's t for n-1
# degrees of freedom (few samples understate the spread) times sqrt(1 + 1/n).
_T95 = {2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31}
FEW_SAMPLES_BAND = {1: 0.25, 2: 0.18}
# The largest cost the job table can hold (DecimalField 12,4), and the longest duration worth
# stating: beyond these the estimate is not a number anyone can use.
MAX_COST = Decimal("99999999")
MAX_SECONDS = 10 * 365 * 24 * 3600.0
_QUANT = Decimal("0.0001")


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
    basis: str  # "history" (similar runs), "measured" (this job's own early run), "flops"
    stage_seconds: dict[str, float]
    samples: int = 0
    band: float = ROUGH_BAND

    @property
    def rough(self) -> bool:
        return self.basis == "flops"

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
            "samples": self.samples,
            "rough": self.rough,
        }


@dataclass(frozen=True)
class Combination:
    """What a run's throughput depends on (besides the hardware and the model)."""

    lora_r: int
    target_modules: str
    seq_bucket: int
    batch_size: int
    grad_accum_steps: int


def _positive_int(value: Any, default: int = 1) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number > 0 else default


def seq_bucket(max_seq_len: int) -> int:
    """max_seq_len rounded up to a power of two (256, 512, 1024, ...)."""
    return 1 << max(0, (max(1, max_seq_len) - 1).bit_length())


def combination(hyperparameters: dict[str, Any]) -> Combination:
    targets = hyperparameters.get("target_modules") or []
    return Combination(
        lora_r=_positive_int(hyperparameters.get("lora_r"), 16),
        target_modules=",".join(sorted(str(t) for t in targets)),
        seq_bucket=seq_bucket(_positive_int(hyperparameters.get("max_seq_len"), 512)),
        batch_size=_positive_int(hyperparameters.get("batch_size")),
        grad_accum_steps=_positive_int(hyperparameters.get("grad_accum_steps")),
    )


def _log2_ratio(a: int, b: int) -> float:
    return abs(math.log2(max(a, 1) / max(b, 1)))


def _distance(sample: RunSample, want: Combination) -> float:
    # Sequence length and micro-batch size change the work per step most; rank and targets
    # change the adapter's (small) share; accumulation only changes how often the optimizer runs.
    return (
        _log2_ratio(sample.seq_bucket, want.seq_bucket)
        + _log2_ratio(sample.batch_size, want.batch_size)
        + 0.5 * _log2_ratio(sample.lora_r, want.lora_r)
        + 0.25 * _log2_ratio(sample.grad_accum_steps, want.grad_accum_steps)
        + (0.5 if sample.target_modules != want.target_modules else 0.0)
    )


def similar_samples(
    *, gpu_type: GpuType, base_model: str, want: Combination, exclude_job: Any = None
) -> list[RunSample]:
    """The nearest measured runs of this model on this GPU type, nearest (then newest) first.

    Completed runs are preferred; a run still training counts only while its combination has no
    completed run yet (its early measurement is the first sample).
    """
    rows = (
        RunSample.objects.filter(gpu_type=gpu_type, base_model=base_model)
        .select_related("job__dataset")
        .order_by("-recorded_at")
    )
    if exclude_job is not None:
        rows = rows.exclude(job_id=exclude_job)
    scored = [(d, s) for s in rows[:500] if (d := _distance(s, want)) <= MAX_DISTANCE]
    finals = [(d, s) for d, s in scored if s.final]
    chosen = finals if finals else scored
    chosen.sort(key=lambda pair: pair[0])  # stable: newest first among equals
    # Enough runs of the very same combination: the others would only add their bias.
    exact = [pair for pair in chosen if pair[0] == 0.0]
    if len(exact) >= MIN_EXACT:
        chosen = exact
    return [s for _, s in chosen[:NEIGHBOURS]]


def _band(values: Sequence[float]) -> float:
    """Relative half-width of the band from the spread of `values` (per-sample predictions)."""
    n = len(values)
    if n == 0:
        return ROUGH_BAND
    if n < 3:
        spread = (max(values) - min(values)) / statistics.median(values) if n == 2 else 0.0
        return max(FEW_SAMPLES_BAND[n], spread)
    relative = statistics.stdev(values) / statistics.mean(values)
    t = _T95.get(n - 1, 1.96)
    return min(ROUGH_BAND, max(MIN_BAND, t * relative * math.sqrt(1 + 1 / n)))


def _median_or(values: Sequence[float | None], default: float) -> float:
    present = [v for v in values if v is not None and math.isfinite(v) and v >= 0]
    return statistics.median(present) if present else default


def _flops_tokens_per_second(info: BaseModelInfo, gpu_type: GpuType) -> float | None:
    if gpu_type.bf16_tflops <= 0 or info.parameters <= 0:
        return None
    return gpu_type.bf16_tflops * 1e12 * TYPICAL_MFU / (FLOPS_PER_PARAM_TOKEN * info.parameters)


def _prior_preprocessing(dataset: Dataset) -> float:
    return 2.0 + dataset.total_chars / 5e6


def _prior_stages(dataset: Dataset, info: BaseModelInfo) -> dict[str, float]:
    return {
        Stage.PREPROCESSING: _prior_preprocessing(dataset),
        Stage.MODEL_LOADING: info.load_seconds,
        Stage.FINALIZATION: FINALIZATION_SECONDS,
    }


def job_plan(
    *,
    dataset: Dataset,
    validation_dataset: Dataset | None,
    base_model: str,
    hyperparameters: dict[str, Any],
) -> tuple[int, int, int] | None:
    """(total steps, total training tokens, epochs) of a job, or None for a model of unknown
    size (its tokenizer's characters per token are unknown too)."""
    info = model_info(base_model)
    if info is None or info.parameters <= 0 or info.chars_per_token <= 0:
        return None
    epochs = _positive_int(hyperparameters.get("epochs"))
    val_fraction = (
        0.0 if validation_dataset is not None else float(hyperparameters.get("val_fraction", 0))
    )
    train_tokens = int(dataset.total_chars * (1.0 - val_fraction) / info.chars_per_token)
    tokens_per_step = (
        _positive_int(hyperparameters.get("batch_size"))
        * _positive_int(hyperparameters.get("max_seq_len"))
        * _positive_int(hyperparameters.get("grad_accum_steps"))
    )
    steps_per_epoch = max(1, math.ceil(train_tokens / tokens_per_step))
    return steps_per_epoch * epochs, train_tokens * epochs, epochs


def estimate_job(
    *,
    dataset: Dataset,
    validation_dataset: Dataset | None,
    base_model: str,
    hyperparameters: dict[str, Any],
    gpu_type: GpuType,
    pricing: str,
    exclude_job: Any = None,
) -> Estimate | None:
    """Estimate a job, or None when there is nothing honest to say (unknown model size, no
    sample and no FLOPs figure for this type, or a figure too large to state)."""
    info = model_info(base_model)
    plan = job_plan(
        dataset=dataset,
        validation_dataset=validation_dataset,
        base_model=base_model,
        hyperparameters=hyperparameters,
    )
    if info is None or plan is None:
        return None
    total_steps, total_tokens, epochs = plan

    want = combination(hyperparameters)
    samples = similar_samples(
        gpu_type=gpu_type, base_model=base_model, want=want, exclude_job=exclude_job
    )
    stages = _prior_stages(dataset, info)
    overhead = 0.0
    rates = [s.effective_tokens_per_second or s.tokens_per_second for s in samples]
    rates = [r for r in rates if r > 0 and math.isfinite(r)]
    if rates:
        basis = "history"
        tps = statistics.median(rates)
        for stage, field in (
            (Stage.MODEL_LOADING, "model_loading_seconds"),
            (Stage.FINALIZATION, "finalization_seconds"),
        ):
            stages[stage] = _median_or([getattr(s, field) for s in samples], stages[stage])
        # Preprocessing grows with the dataset: scale the prior's shape by how the measured runs
        # compared with it on their own datasets.
        ratios = [
            s.preprocessing_seconds / _prior_preprocessing(s.job.dataset)
            for s in samples
            # A finished job's dataset may have been deleted since: it then tells nothing here.
            if s.preprocessing_seconds is not None and s.job.dataset is not None
        ]
        stages[Stage.PREPROCESSING] *= _median_or(ratios, 1.0)
        overhead = _median_or([s.overhead_seconds for s in samples], 0.0)
        fixed = stages[Stage.PREPROCESSING] + stages[Stage.MODEL_LOADING]
        fixed += stages[Stage.FINALIZATION] + overhead
        # Each sample's own prediction for this job: their spread is the band.
        per_sample = [fixed + total_tokens / r for r in rates]
        mean_distance = statistics.mean(_distance(s, want) for s in samples)
        band = min(ROUGH_BAND, _band(per_sample) + BAND_PER_DISTANCE * mean_distance)
        if gpu_type.slug == CPU_SLUG:
            band = max(band, SHARED_HOST_MIN_BAND)
    else:
        prior = _flops_tokens_per_second(info, gpu_type)
        if prior is None:
            return None
        basis, tps, band = "flops", prior, ROUGH_BAND
    stages[Stage.TRAINING] = total_tokens / tps
    return _estimate(
        stages=stages,
        overhead=overhead,
        band=band,
        rate=gpu_type.hourly_rate(pricing),
        total_steps=total_steps,
        total_tokens=total_tokens,
        epochs=epochs,
        tps=tps,
        basis=basis,
        samples=len(samples) if basis == "history" else 0,
    )


def _estimate(
    *,
    stages: dict[str, float],
    overhead: float,
    band: float,
    rate: Decimal,
    total_steps: int,
    total_tokens: int,
    epochs: int,
    tps: float,
    basis: str,
    samples: int,
) -> Estimate | None:
    duration = sum(stages.values()) + overhead
    if not math.isfinite(duration) or duration > MAX_SECONDS or total_steps > 2**31 - 1:
        return None
    try:
        cost = Decimal(str(duration)) / Decimal(3600) * rate
        # Four decimals: a short job on a cheap type costs fractions of a cent, and an estimate
        # rounded to $0.00 would flag every such job as over budget.
        cost_min = (cost * Decimal(str(1 - band))).quantize(_QUANT)
        cost_max = (cost * Decimal(str(1 + band))).quantize(_QUANT)
    except InvalidOperation:
        return None
    if cost_max > MAX_COST:
        return None
    return Estimate(
        total_steps=total_steps,
        total_tokens=total_tokens,
        epochs=epochs,
        duration_seconds=duration,
        cost_min=cost_min,
        cost_max=cost_max,
        hourly_rate=rate,
        tokens_per_second=tps,
        basis=basis,
        stage_seconds={str(k): float(v) for k, v in stages.items()},
        samples=samples,
        band=band,
    )


def estimate_apply(job: Job, estimate: Estimate) -> list[str]:
    """Store an estimate on a job and its pending stages; returns the job's changed fields."""
    job.est_total_steps = estimate.total_steps
    job.est_total_tokens = estimate.total_tokens
    job.est_duration_seconds = estimate.duration_seconds
    job.est_cost_min = estimate.cost_min
    job.est_cost_max = estimate.cost_max
    job.est_basis = estimate.basis
    for stage, seconds in estimate.stage_seconds.items():
        StageRun.objects.filter(job_id=job.pk, stage=stage, state=StageState.PENDING).update(
            estimated_seconds=seconds
        )
    return [
        "est_total_steps",
        "est_total_tokens",
        "est_duration_seconds",
        "est_cost_min",
        "est_cost_max",
        "est_basis",
    ]


def estimate_refresh(job: Job) -> Estimate | None:
    """Re-estimate a job about to launch from the samples measured since it was created
    (its pre-launch band). None (and nothing changed) when there is no better estimate."""
    if job.dataset is None:  # deleted datasets only belong to finished jobs: nothing to launch
        return None
    estimate = estimate_job(
        dataset=job.dataset,
        validation_dataset=job.validation_dataset,
        base_model=job.base_model,
        hyperparameters=job.hyperparameters,
        gpu_type=job.gpu_type,
        pricing=job.pricing,
        exclude_job=job.pk,
    )
    if estimate is None or estimate.basis != "history":
        return None
    return estimate


def _combination_fields(job: Job) -> dict[str, Any]:
    want = combination(job.hyperparameters)
    return {
        "gpu_type_id": job.gpu_type_id,
        "base_model": job.base_model,
        "lora_r": want.lora_r,
        "target_modules": want.target_modules,
        "seq_bucket": want.seq_bucket,
        "batch_size": want.batch_size,
        "grad_accum_steps": want.grad_accum_steps,
    }


def _stage_seconds(stages: Sequence[StageRun]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for s in stages:
        done = s.state == StageState.COMPLETED and s.started_at and s.finished_at
        out[s.stage] = (
            max((s.finished_at - s.started_at).total_seconds(), 0.0)  # type: ignore[operator]
            if done
            else None
        )
    return out


# A run's own rate is trusted once this share of its steps (and at least MIN_EARLY_STEPS) ran,
# and once it covered its first evaluation (evaluations are part of what its steps cost; a rate
# measured before the first one is too fast), unless evaluations are rarer than EVAL_SHARE.
EARLY_SHARE = 0.05
MIN_EARLY_STEPS = 3
EVAL_SHARE = 0.2


def early_steps_needed(job: Job) -> float:
    """How many steps a run must have done before its own rate counts (see above)."""
    needed = max(MIN_EARLY_STEPS, EARLY_SHARE * job.total_steps)
    eval_every = _positive_int(job.hyperparameters.get("eval_every"), 0)
    if eval_every:
        needed = max(needed, min(eval_every + 1, EVAL_SHARE * job.total_steps))
    return needed


# Once a run qualifies, its provisional sample is refreshed each time another this share of its
# steps is done (and at its end, by `sample_record_final`), not on every metric report: the
# rate it records barely moves between two reports, and the refresh cost several queries on the
# worker's hottest path.
SAMPLE_REFRESH_SHARE = 0.01


def sample_refresh_due(job: Job, *, steps_before: int) -> bool:
    """Whether a metric report that moved a training run from `steps_before` (absolute) to its
    `current_step` should (re)record the run's early sample: when the run first qualifies
    (`early_steps_needed`), then once per SAMPLE_REFRESH_SHARE of its steps."""
    done_before = steps_before - job.resume_step
    done_after = job.current_step - job.resume_step
    needed = early_steps_needed(job)
    if done_after < needed or done_after <= done_before:
        return False
    if done_before < needed:
        return True
    stride = max(1, int(SAMPLE_REFRESH_SHARE * job.total_steps))
    return done_before // stride != done_after // stride


def sample_record_early(job: Job, *, now: datetime) -> RunSample | None:
    """Record (or refresh) the provisional sample of a run that is training.

    Its effective rate is the share of the estimated tokens its steps covered over the time they
    took (so evaluation and checkpoints count, as they do in the Training stage); the stages it
    already ran give their durations; the wait before its first stage is its overhead. A job
    whose estimate rests on the rough prior, or that had none, is re-based on this measurement.
    """
    steps_done = job.current_step - job.resume_step
    if (
        job.status != "running"
        or job.training_started_at is None
        or not job.total_steps
        or steps_done < early_steps_needed(job)
        or not job.est_total_tokens
        or job.attempt > 1
    ):
        return None
    elapsed = (now - job.training_started_at).total_seconds()
    real = job.measured_tokens_per_second or 0.0
    if elapsed <= 0 or not (real > 0 and math.isfinite(real)):
        return None
    stages = list(StageRun.objects.filter(job_id=job.pk))
    seconds = _stage_seconds(stages)
    first = next((st.started_at for st in stages if st.stage == Stage.PREPROCESSING), None)
    overhead = (
        max((first - job.billing_since).total_seconds(), 0.0)
        if first is not None and job.billing_since is not None
        else None
    )
    fields = {
        **_combination_fields(job),
        "tokens_per_second": float(real),
        "effective_tokens_per_second": job.est_total_tokens
        * (steps_done / job.total_steps)
        / elapsed,
        "preprocessing_seconds": seconds.get(Stage.PREPROCESSING),
        "model_loading_seconds": seconds.get(Stage.MODEL_LOADING),
        "overhead_seconds": overhead,
        "recorded_at": now,
    }
    sample = RunSample.objects.filter(job=job).first()
    if sample is not None and sample.final:
        return sample
    sample, _ = RunSample.objects.update_or_create(job=job, defaults=fields)
    if job.est_basis in ("", "flops"):
        _rebase_on_measurement(job, stages, now)
    return sample


def _rebase_on_measurement(job: Job, stages: list[StageRun], now: datetime) -> None:
    # Spent so far plus what the measured rate says is left: the band of a single measurement.
    from backend.jobs.forecast import remaining_seconds

    left, basis = remaining_seconds(job, stages, now)
    if left is None or basis != "measured":
        return
    duration = job.billed_seconds_at(now) + left
    band = FEW_SAMPLES_BAND[1]
    cost = Decimal(str(duration)) / Decimal(3600) * job.hourly_rate
    job.est_duration_seconds = duration
    job.est_cost_min = (cost * Decimal(str(1 - band))).quantize(_QUANT)
    job.est_cost_max = (cost * Decimal(str(1 + band))).quantize(_QUANT)
    job.est_basis = "measured"
    job.save(update_fields=["est_duration_seconds", "est_cost_min", "est_cost_max", "est_basis"])


def sample_record_final(job: Job) -> RunSample | None:
    """Record a completed run: its mean measured tokens/s and every stage's duration."""
    from backend.telemetry.selectors import metric_mean_tokens_per_second

    if job.status in FINISHED_STATUSES and job.status != "completed":
        return None
    rate = metric_mean_tokens_per_second(job_id=job.pk) or (job.measured_tokens_per_second or 0.0)
    if not rate or rate <= 0:
        return None
    seconds = _stage_seconds(list(StageRun.objects.filter(job_id=job.pk)))
    training = seconds.get(Stage.TRAINING)
    effective = None
    # A resumed run's Training stage covers only part of its tokens: its rate would mislead.
    if training and training > 0 and job.est_total_tokens and job.attempt <= 1:
        effective = job.est_total_tokens / training
    staged = sum(v for v in seconds.values() if v is not None)
    overhead = max(job.billed_seconds - staged, 0.0) if all(seconds.values()) else None
    fields = {
        **_combination_fields(job),
        "tokens_per_second": float(rate),
        "effective_tokens_per_second": effective,
        "preprocessing_seconds": seconds.get(Stage.PREPROCESSING),
        "model_loading_seconds": seconds.get(Stage.MODEL_LOADING),
        "training_seconds": training,
        "finalization_seconds": seconds.get(Stage.FINALIZATION),
        "overhead_seconds": overhead,
        "final": True,
    }
    sample, _ = RunSample.objects.update_or_create(job=job, defaults=fields)
    return sample
