"""Estimates benchmark: replay a realistic workload through the real estimator and dispatcher.

96 jobs of mixed sizes (two models, LoRA ranks 8/16/32, sequence lengths 512/1024, 1-3 epochs,
datasets of 0.2-3 M characters) arrive over simulated time on two GPU types (L40S, A100; two live
workers each, global limit 3), so jobs arrive while others run and wait in their pools. Each run's
true throughput is a hidden function of its GPU, model and settings, times a uniform ±10% noise
per job; stage durations and the provisioning wait get ±10% noise too. Nothing about the truth is
told to the estimator: it learns only from the samples the runs record (`sample_record_early` at
20% of training, `sample_record_final` at completion), as under real workers.

Real code paths: `job_create` (estimate at creation), `dispatch_queued` (pool leases in Redis,
pre-launch estimate refresh), `queue_view` (start-time estimates), `job_forecast` (remaining time),
`transition` (billing). The workers are simulated: job rows, stages and progress are written the
way the worker API services write them, at simulated instants (`django.utils.timezone.now` is
replaced by the simulation clock). Prints:

- share of final costs inside their pre-launch band (target >= 90% once 3 similar jobs finished);
- median absolute error of the pre-launch cost midpoint (target <= 10%, same jobs);
- median remaining-time error at 20% of training (target < 10%);
- median queue start-time error relative to the wait (target < 20%, jobs that waited >= 60 s).

    .venv/bin/python bench/estimates_bench.py [--jobs 96] [--seed 7] [--database-url ...]

The scratch database (default `lora_estimates_bench`) is dropped and re-created on each run;
Redis keys go under a private prefix and are deleted at the end.
"""

from __future__ import annotations

import argparse
import heapq
import math
import os
import random
import statistics
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOISE = 0.10
START = datetime(2026, 1, 5, 9, 0, 0)
MODELS = {
    # key: (relative speed, model-loading seconds)
    "smollm2-135m-instruct": (1.0, 8.0),
    "HuggingFaceTB/SmolLM2-1.7B-Instruct": (0.11, 35.0),
}
GPUS = {"l40s-48gb": 9000.0, "a100-80gb": 14000.0}  # true effective tok/s of the small model


def _setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings.test"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _recreate_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


class Clock:
    def __init__(self) -> None:
        from django.utils import timezone as tz

        self.now = START.replace(tzinfo=tz.UTC) if hasattr(tz, "UTC") else START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Truth:
    """What the run really does (hidden from the estimator)."""

    overhead: float
    preprocessing: float
    loading: float
    training: float
    finalization: float


@dataclass
class Tracked:
    job_id: Any
    arrival: datetime
    similar_before: int = 0
    start_estimate: datetime | None = None
    started: datetime | None = None
    prelaunch: tuple[float, float] | None = None
    basis: str = ""
    truth: Truth | None = None
    remaining_error: float | None = None
    final_cost: float | None = None
    combo: tuple[Any, ...] = field(default_factory=tuple)


def _true_rate(gpu: str, model: str, hp: dict[str, Any]) -> float:
    # A plausible shape: longer sequences and bigger ranks are slower, bigger micro-batches faster.
    speed, _ = MODELS[model]
    seq = hp["max_seq_len"] / 512
    return (
        GPUS[gpu]
        * speed
        * (seq**-0.15)
        * (1 - 0.004 * hp["lora_r"])
        * (hp["batch_size"] / 8) ** 0.1
    )


def _noisy(value: float, rng: random.Random) -> float:
    return value * rng.uniform(1 - NOISE, 1 + NOISE)


def run(n_jobs: int, seed: int) -> dict[str, Any]:
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    from backend.accounts.models import User
    from backend.datasets.models import Dataset
    from backend.jobs.estimates import sample_record_early, sample_record_final
    from backend.jobs.forecast import job_forecast
    from backend.jobs.models import GpuType, Job, JobStatus, StageRun, StageState
    from backend.jobs.services import job_create
    from backend.jobs.transitions import lock_job, transition
    from backend.scheduling import dispatch
    from backend.scheduling.models import SchedulerSettings, Worker
    from backend.scheduling.selectors import queue_view
    from backend.scheduling.slots import slots_flush

    rng = random.Random(seed)
    clock = Clock()
    clock.now = START.replace(tzinfo=timezone.get_current_timezone())
    timezone.now = clock  # every `timezone.now()` in the code under test reads the simulation
    settings.LORA_REDIS_PREFIX = f"bench:{uuid.uuid4().hex[:8]}:"
    settings.LORA_PROVISIONING_GRACE_SECONDS = 10**7
    settings.LORA_LEASE_TTL_SECONDS = 10**7
    dispatch.celery_app.send_task = lambda *a, **k: None  # no broker: the workers are simulated

    SchedulerSettings.objects.update_or_create(pk=1, defaults={"concurrency_limit": 3})
    user = User.objects.create_user(username="bench", password="x", role=User.Role.MANAGER)
    gpus = {g.slug: g for g in GpuType.objects.filter(slug__in=GPUS)}
    for slug, gpu in gpus.items():
        for i in range(2):
            Worker.objects.create(
                name=f"{slug}-{i}",
                gpu_type=gpu,
                host="bench",
                device={"kind": "gpu", "name": gpu.name, "count": 1, "memory_gb": gpu.memory_gb},
                software={},
                last_seen_at=clock.now + timedelta(days=3650),
            )
    datasets = [
        Dataset.objects.create(
            name=f"d{chars}",
            file=ContentFile(b"{}\n", name="d.jsonl"),
            uploaded_by=user,
            size_bytes=chars,
            format="chat",
            num_examples=max(1, chars // 800),
            total_chars=chars,
            trainable_chars=int(chars * 0.7),
            is_valid=True,
        )
        for chars in (200_000, 600_000, 1_500_000, 3_000_000)
    ]

    tracked: dict[Any, Tracked] = {}
    events: list[tuple[datetime, int, str, Any]] = []
    seq = 0

    def push(at: datetime, kind: str, job_id: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, job_id))

    # Arrivals: bursts, so queues form in both pools.
    t = clock.now
    for i in range(n_jobs):
        t += timedelta(seconds=rng.expovariate(1 / 240.0))
        push(t, "arrive", i)

    def combo_of(job: Job) -> tuple[Any, ...]:
        hp = job.hyperparameters
        # What the estimator calls the same combination (epochs and dataset size only scale the
        # tokens, not the throughput).
        return (job.gpu_type.slug, job.base_model, hp["lora_r"], hp["max_seq_len"])

    finished_combos: dict[tuple[Any, ...], int] = {}

    def sync_running(now: datetime) -> None:
        """Write every running job's progress as its worker would have reported by `now`."""
        for job in Job.objects.filter(status=JobStatus.RUNNING):
            info = tracked[job.pk]
            truth, started = info.truth, info.started
            assert truth is not None and started is not None
            claim = started + timedelta(seconds=truth.overhead)
            t_load = claim + timedelta(seconds=truth.preprocessing)
            t_train = t_load + timedelta(seconds=truth.loading)
            t_fin = t_train + timedelta(seconds=truth.training)
            stages = {s.stage: s for s in StageRun.objects.filter(job=job)}

            def set_stage(
                name: str, a: datetime, b: datetime, stages: dict[str, StageRun] = stages
            ) -> None:
                s = stages[name]
                if now >= b:
                    s.state, s.started_at, s.finished_at = StageState.COMPLETED, a, b
                elif now >= a:
                    s.state, s.started_at, s.finished_at = StageState.ACTIVE, a, None
                s.save()

            set_stage("preprocessing", claim, t_load)
            set_stage("model_loading", t_load, t_train)
            set_stage("training", t_train, t_fin)
            set_stage("finalization", t_fin, t_fin + timedelta(seconds=truth.finalization))
            if now >= t_train:
                share = min(1.0, (now - t_train).total_seconds() / truth.training)
                job.stage = "training" if now < t_fin else "finalization"
                job.training_started_at = t_train
                job.current_step = int(share * job.total_steps)
                job.save(update_fields=["stage", "training_started_at", "current_step"])

    while events:
        at, _, kind, ref = heapq.heappop(events)
        clock.now = at
        if kind == "arrive":
            model = rng.choice(list(MODELS))
            hp = {
                "epochs": rng.choice([1, 2, 3]),
                "lora_r": rng.choice([8, 16, 32]),
                "lora_alpha": 32,
                "max_seq_len": rng.choice([512, 1024]),
                "batch_size": 8,
            }
            gpu = gpus[rng.choice(list(GPUS))]
            sync_running(at)
            job = job_create(
                created_by=user,
                name=f"bench-{ref}",
                dataset=rng.choice(datasets),
                base_model=model,
                preset="custom",
                hyperparameters=hp,
                gpu_type=gpu,
                pricing="spot",
            )
            job.refresh_from_db()
            info = tracked.setdefault(job.pk, Tracked(job.pk, at, combo=combo_of(job)))
            if job.status == JobStatus.QUEUED:
                sync_running(at)
                info.start_estimate = queue_view(now=at).starts.get(job.pk)
            else:
                info.start_estimate = at
        elif kind == "claim":
            with transaction.atomic():
                job = lock_job(ref)
                job.save(update_fields=transition(job, JobStatus.RUNNING, now=at))
        elif kind == "progress20":
            sync_running(at)
            job = Job.objects.get(pk=ref)
            info = tracked[ref]
            assert info.truth is not None and info.started is not None
            truth = info.truth
            job.measured_tokens_per_second = (job.est_total_tokens or 1) / truth.training
            job.save(update_fields=["measured_tokens_per_second"])
            sample_record_early(job, now=at)
            job.refresh_from_db()
            forecast = job_forecast(job, list(job.stages.all()), at)
            actual_end = info.started + timedelta(
                seconds=truth.overhead
                + truth.preprocessing
                + truth.loading
                + truth.training
                + truth.finalization
            )
            actual = (actual_end - at).total_seconds()
            if forecast.remaining_seconds is not None and actual > 0:
                info.remaining_error = abs(forecast.remaining_seconds - actual) / actual
        elif kind == "complete":
            sync_running(at)
            StageRun.objects.filter(job_id=ref).update(state=StageState.COMPLETED)
            StageRun.objects.filter(job_id=ref, stage="finalization").update(finished_at=at)
            with transaction.atomic():
                job = lock_job(ref)
                changed = transition(job, JobStatus.COMPLETED, now=at)
                job.current_step = job.total_steps
                job.save(update_fields=[*changed, "current_step"])
                sample_record_final(job)
            info = tracked[ref]
            info.final_cost = float(Job.objects.get(pk=ref).spend_at(at))
            finished_combos[info.combo] = finished_combos.get(info.combo, 0) + 1
        # Anything dispatched at this instant (on create or when a slot freed) starts now.
        for job in Job.objects.filter(status=JobStatus.PROVISIONING).select_related("gpu_type"):
            info = tracked[job.pk]
            if info.started is not None:
                continue
            info.started = at
            info.similar_before = finished_combos.get(info.combo, 0)
            info.basis = job.est_basis
            if job.est_cost_min is not None and job.est_cost_max is not None:
                info.prelaunch = (float(job.est_cost_min), float(job.est_cost_max))
            _, load = MODELS[job.base_model]
            rate = _noisy(_true_rate(job.gpu_type.slug, job.base_model, job.hyperparameters), rng)
            ds = job.dataset
            info.truth = Truth(
                overhead=_noisy(20.0, rng),
                preprocessing=_noisy(2.0 + ds.total_chars / 5e5, rng),
                loading=_noisy(load, rng),
                training=(job.est_total_tokens or 1) / rate,
                finalization=_noisy(6.0, rng),
            )
            truth = info.truth
            claim = at + timedelta(seconds=truth.overhead)
            t_train = claim + timedelta(seconds=truth.preprocessing + truth.loading)
            push(claim, "claim", job.pk)
            push(t_train + timedelta(seconds=0.2 * truth.training), "progress20", job.pk)
            push(
                t_train + timedelta(seconds=truth.training + truth.finalization), "complete", job.pk
            )
    slots_flush()
    return _report(list(tracked.values()))


def _report(jobs: list[Tracked]) -> dict[str, Any]:
    def inside(j: Tracked) -> bool:
        assert j.prelaunch is not None and j.final_cost is not None
        return j.prelaunch[0] <= j.final_cost <= j.prelaunch[1]

    def cost_error(j: Tracked) -> float:
        assert j.prelaunch is not None and j.final_cost is not None
        mid = (j.prelaunch[0] + j.prelaunch[1]) / 2
        return abs(mid - j.final_cost) / j.final_cost

    done = [j for j in jobs if j.final_cost is not None and j.prelaunch is not None]
    learned = [j for j in done if j.similar_before >= 3]
    waits = [
        (j.start_estimate, j.started, j.arrival)
        for j in jobs
        if j.started is not None
        and j.start_estimate is not None
        and (j.started - j.arrival).total_seconds() >= 60
    ]
    start_errors = [
        abs((est - real).total_seconds()) / (real - arrival).total_seconds()
        for est, real, arrival in waits
    ]
    remaining = [j.remaining_error for j in jobs if j.remaining_error is not None]
    bases: dict[str, int] = {}
    for j in done:
        bases[j.basis or "none"] = bases.get(j.basis or "none", 0) + 1
    return {
        "jobs": len(jobs),
        "completed_with_estimate": len(done),
        "bases": bases,
        "inside_band_all": sum(inside(j) for j in done) / max(len(done), 1),
        "learned_jobs": len(learned),
        "inside_band_learned": sum(inside(j) for j in learned) / max(len(learned), 1),
        "median_cost_error_learned": statistics.median(cost_error(j) for j in learned)
        if learned
        else math.nan,
        "median_cost_error_all": statistics.median(cost_error(j) for j in done)
        if done
        else math.nan,
        "remaining_samples": len(remaining),
        "median_remaining_error_at_20pct": statistics.median(remaining) if remaining else math.nan,
        "waited_jobs": len(start_errors),
        "median_start_error": statistics.median(start_errors) if start_errors else math.nan,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=96)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lora_estimates_bench"
        ),
    )
    args = parser.parse_args()
    _recreate_database(args.database_url)
    _setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    r = run(args.jobs, args.seed)
    lines = [
        ("jobs replayed", f"{r['jobs']} ({r['completed_with_estimate']} with an estimate; "
         f"bases {r['bases']})"),
        ("inside pre-launch band, >=3 similar", f"{r['inside_band_learned']:.0%} of "
         f"{r['learned_jobs']} (target >= 90%)"),
        ("inside pre-launch band, all", f"{r['inside_band_all']:.0%}"),
        ("median |cost error|, >=3 similar", f"{r['median_cost_error_learned']:.1%} "
         "(target <= 10%)"),
        ("median |cost error|, all", f"{r['median_cost_error_all']:.1%}"),
        ("median remaining-time error at 20%", f"{r['median_remaining_error_at_20pct']:.1%} of "
         f"{r['remaining_samples']} (target < 10%)"),
        ("median queue start-time error", f"{r['median_start_error']:.1%} of "
         f"{r['waited_jobs']} waits >= 60 s (target < 20%)"),
    ]  # fmt: skip
    for label, value in lines:
        print(f"{label:<38}{value}")
    ok = (
        r["inside_band_learned"] >= 0.9
        and r["median_cost_error_learned"] <= 0.10
        and r["median_remaining_error_at_20pct"] < 0.10
        and r["median_start_error"] < 0.20
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
