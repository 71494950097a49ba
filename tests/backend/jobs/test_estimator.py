"""The estimator: predictions from the nearest measured runs, bands from their spread, a rough
FLOPs prior, never a division by zero or an overflow, and samples recorded from real runs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from backend.jobs.estimates import (
    MIN_BAND,
    ROUGH_BAND,
    SHARED_HOST_MIN_BAND,
    combination,
    estimate_job,
    sample_record_early,
    sample_record_final,
    sample_refresh_due,
    seq_bucket,
)
from backend.jobs.models import JobStatus, RunSample, StageRun, StageState
from backend.jobs.models.gpu import CPU_SLUG
from backend.telemetry.models import MetricPoint
from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory, sample_for
from worker.contract.hyperparameters import resolve_hyperparameters

pytestmark = pytest.mark.django_db

MODEL = "smollm2-135m-instruct"


def _estimate(**overrides: Any) -> Any:
    hp = resolve_hyperparameters("balanced", overrides.pop("hyperparameters", None))
    return estimate_job(
        dataset=overrides.pop("dataset", None) or DatasetFactory(total_chars=400_000),
        validation_dataset=None,
        base_model=overrides.pop("base_model", MODEL),
        hyperparameters=hp,
        gpu_type=overrides.pop("gpu_type", None) or GpuTypeFactory(),
        pricing="spot",
    )


@pytest.mark.parametrize(
    "name",
    [
        "acme/model-0B",
        "acme/model-0.0B",
        "acme/model-100000000000B",
        "acme/model-" + "9" * 400 + "B",
        "acme/model-0.000001M",
        "acme/model",
        "",
    ],
)
def test_no_model_name_makes_the_estimator_divide_by_zero_or_overflow(name: str) -> None:
    estimate = _estimate(base_model=name)
    if estimate is not None:  # whatever it says must fit the job table
        assert estimate.cost_max < Decimal("99999999")
        assert estimate.total_steps < 2**31


def test_a_huge_model_with_history_still_fits(settings: Any) -> None:
    # A sample with an absurdly low rate must not overflow the cost either.
    gpu = GpuTypeFactory()
    hp = resolve_hyperparameters("balanced", None)
    sample_for(base_model="acme/m-7B", hyperparameters=hp, effective_tokens_per_second=1e-300)
    estimate = estimate_job(
        dataset=DatasetFactory(total_chars=10**12),
        validation_dataset=None,
        base_model="acme/m-7B",
        hyperparameters=hp,
        gpu_type=gpu,
        pricing="spot",
    )
    assert estimate is None


def test_the_flops_prior_is_rough_and_wide() -> None:
    estimate = _estimate()
    assert estimate.basis == "flops" and estimate.rough and estimate.samples == 0
    mid = (estimate.cost_min + estimate.cost_max) / 2
    assert float((estimate.cost_max - mid) / mid) == pytest.approx(ROUGH_BAND, abs=0.01)


def test_a_type_without_a_prior_or_samples_has_no_estimate() -> None:
    cpu = GpuTypeFactory(slug="cpu", name="CPU", bf16_tflops=0.0)
    assert _estimate(gpu_type=cpu) is None


def test_similar_runs_narrow_the_band_and_set_the_midpoint() -> None:
    hp = resolve_hyperparameters("balanced", None)
    for rate in (950.0, 1000.0, 1050.0, 1000.0, 980.0):
        sample_for(base_model=MODEL, hyperparameters=hp, effective_tokens_per_second=rate)
    estimate = _estimate()
    assert estimate.basis == "history" and estimate.samples == 5 and not estimate.rough
    assert estimate.tokens_per_second == 1000.0
    mid = (estimate.cost_min + estimate.cost_max) / 2
    half = float((estimate.cost_max - mid) / mid)
    assert 0.08 <= half < 0.2


def test_the_shared_cpu_type_keeps_a_band_as_wide_as_its_hosts_noise() -> None:
    """Identical history narrows a GPU's band to MIN_BAND; the CPU type's stays at
    SHARED_HOST_MIN_BAND, since its throughput follows the load of the host it shares."""
    hp = resolve_hyperparameters("balanced", None)
    gpu = GpuTypeFactory()
    cpu = GpuTypeFactory(slug=CPU_SLUG, name="CPU", memory_gb=0, bf16_tflops=None)
    for gpu_type in (gpu, cpu):
        for _ in range(5):
            sample_for(
                base_model=MODEL,
                hyperparameters=hp,
                effective_tokens_per_second=1000.0,
                gpu_type=gpu_type,
            )

    def half_width(gpu_type: Any) -> float:
        estimate = _estimate(gpu_type=gpu_type)
        assert estimate.basis == "history" and estimate.samples == 5
        mid = (estimate.cost_min + estimate.cost_max) / 2
        # the cost band is the relative band, up to the cents' rounding of small costs
        assert float((estimate.cost_max - mid) / mid) == pytest.approx(estimate.band, abs=0.01)
        return float(estimate.band)

    assert half_width(gpu) == MIN_BAND
    assert half_width(cpu) == SHARED_HOST_MIN_BAND


def test_the_nearest_combination_wins_over_a_distant_one() -> None:
    near = resolve_hyperparameters("balanced", {"lora_r": 32, "lora_alpha": 64})
    far = resolve_hyperparameters("balanced", {"max_seq_len": 4096, "batch_size": 1})
    sample_for(base_model=MODEL, hyperparameters=near, effective_tokens_per_second=1000.0)
    sample_for(base_model=MODEL, hyperparameters=far, effective_tokens_per_second=50.0)
    estimate = _estimate()  # rank 16, seq 512, batch 8
    assert estimate.basis == "history" and estimate.samples == 1
    assert estimate.tokens_per_second == 1000.0
    # Another GPU type's runs never count.
    other = GpuTypeFactory(slug="a10g-24gb", name="A10G", bf16_tflops=125.0)
    assert _estimate(gpu_type=other).basis == "flops"


def test_seq_buckets_and_combination() -> None:
    assert [seq_bucket(n) for n in (1, 256, 257, 512, 1000)] == [1, 256, 512, 512, 1024]
    hp = resolve_hyperparameters("balanced", {"target_modules": ["v_proj", "q_proj"]})
    assert combination(hp).target_modules == "q_proj,v_proj"


def _training_job(*, steps: int, total: int, elapsed: float, **fields: Any) -> Any:
    now = timezone.now()
    job = JobFactory(
        status=JobStatus.RUNNING,
        stage="training",
        attempt=1,
        current_step=steps,
        total_steps=total,
        training_started_at=now - timedelta(seconds=elapsed),
        billing_since=now - timedelta(seconds=elapsed + 20),
        est_total_tokens=100_000,
        measured_tokens_per_second=900.0,
        hourly_rate=Decimal("0.05"),
        **fields,
    )
    StageRun.objects.filter(job=job, stage__in=["preprocessing", "model_loading"]).update(
        state=StageState.COMPLETED,
        started_at=now - timedelta(seconds=elapsed + 15),
        finished_at=now - timedelta(seconds=elapsed),
    )
    StageRun.objects.filter(job=job, stage="training").update(
        state=StageState.ACTIVE, started_at=now - timedelta(seconds=elapsed)
    )
    return job, now


def test_an_early_measurement_is_the_first_sample_and_rebases_a_job_without_estimate() -> None:
    job, now = _training_job(steps=20, total=100, elapsed=40.0)
    sample = sample_record_early(job, now=now)
    assert sample is not None and not sample.final
    # 20% of 100,000 estimated tokens in 40 s.
    assert sample.effective_tokens_per_second == pytest.approx(500.0)
    assert sample.tokens_per_second == 900.0
    assert sample.overhead_seconds == pytest.approx(5.0, abs=0.1)
    job.refresh_from_db()
    # 60 s billed + 160 s of training left + 5 s finalization, ±25%.
    assert job.est_basis == "measured"
    assert job.est_duration_seconds == pytest.approx(225.0, abs=1)
    cost = Decimal("225") / 3600 * Decimal("0.05")
    assert float(job.est_cost_max) == pytest.approx(float(cost) * 1.25, abs=1e-4)


def test_too_early_a_measurement_is_not_a_sample() -> None:
    job, now = _training_job(steps=2, total=100, elapsed=4.0)
    assert sample_record_early(job, now=now) is None
    assert not RunSample.objects.exists()


def test_a_rate_measured_before_the_first_evaluation_is_not_a_sample() -> None:
    # Evaluating every 5 steps is part of what a step costs: 4 steps (over 5% of 62) ran
    # without one and would price the job too low; after step 6 the first one is included.
    hyperparameters = resolve_hyperparameters("balanced", {"eval_every": 5})
    job, now = _training_job(steps=4, total=62, elapsed=8.0, hyperparameters=hyperparameters)
    assert sample_record_early(job, now=now) is None
    job, now = _training_job(steps=6, total=62, elapsed=14.0, hyperparameters=hyperparameters)
    assert sample_record_early(job, now=now) is not None


@pytest.mark.parametrize(
    ("before", "after", "due"),
    [
        (40, 49, False),  # not yet 5% of 1,000 steps
        (49, 50, True),  # qualifies: the first sample
        (40, 60, True),  # qualifies within one batch
        (50, 59, False),  # same 1% stride (10 steps) as the sample just taken
        (59, 60, True),  # a new stride
        (60, 60, False),  # a retried report moves nothing
        (75, 95, True),
    ],
)
def test_a_runs_sample_is_refreshed_once_per_hundredth_of_its_steps(
    before: int, after: int, due: bool
) -> None:
    hyperparameters = resolve_hyperparameters("balanced", {"eval_every": 0})
    job = JobFactory.build(
        total_steps=1000, current_step=after, resume_step=0, hyperparameters=hyperparameters
    )
    assert sample_refresh_due(job, steps_before=before) is due


def test_a_resumed_runs_strides_count_from_its_resume_step() -> None:
    hyperparameters = resolve_hyperparameters("balanced", {"eval_every": 0})
    job = JobFactory.build(
        total_steps=1000, current_step=549, resume_step=500, hyperparameters=hyperparameters
    )
    assert not sample_refresh_due(job, steps_before=540)  # 49 done: not yet qualified
    job.current_step = 550
    assert sample_refresh_due(job, steps_before=549)


def test_a_completed_run_records_its_final_sample() -> None:
    job, now = _training_job(steps=100, total=100, elapsed=200.0)
    StageRun.objects.filter(job=job).update(
        state=StageState.COMPLETED, started_at=now - timedelta(seconds=210), finished_at=now
    )
    StageRun.objects.filter(job=job, stage="training").update(
        started_at=now - timedelta(seconds=200), finished_at=now - timedelta(seconds=5)
    )
    for step, rate in ((10, 800.0), (20, 1000.0)):
        MetricPoint.objects.create(job=job, step=step, attempt=1, tokens_per_second=rate)
    job.status = JobStatus.COMPLETED
    job.billed_seconds = 230.0
    job.save()
    sample = sample_record_final(job)
    assert sample is not None and sample.final
    assert sample.tokens_per_second == 900.0
    assert sample.training_seconds == pytest.approx(195.0)
    assert sample.effective_tokens_per_second == pytest.approx(100_000 / 195.0)
