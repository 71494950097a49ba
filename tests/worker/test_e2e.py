"""End to end: live API server + a real Celery worker process + real Redis + real training.

The worker subprocess runs `celery -A worker.celery_app worker -Q training --pool solo`, exactly
as on a GPU host. Jobs are started by the real dispatcher (slot lease in Redis, Attempt with fence
and hashed token, `worker.run_job` sent after commit) and recovered by the real reaper.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.jobs.models import Checkpoint, Job, JobStatus, StageRun
from backend.jobs.services import job_cancel
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost
from backend.scheduling.slots import slot_release
from backend.telemetry.models import Event, MetricPoint
from tests.factories import UserFactory
from tests.worker.conftest import wait_for
from tests.worker.live_jobs import chat_jsonl, live_job, tiny_hyperparameters
from worker.contract.names import STAGES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("redis_prefix")]

ROOT = Path(__file__).resolve().parents[2]


def _job(content: bytes | None = None, **hyper: Any) -> Job:
    return live_job(content, hyperparameters=tiny_hyperparameters(**hyper))


@pytest.fixture(scope="module")
def celery_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One real Celery worker process for the module, as deployed (one task at a time)."""
    from worker.celery_app import app

    app.control.purge()  # leftovers of an interrupted run must not be trained now
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "LORA_HEARTBEAT_SECONDS": "1",
        "LORA_REPORT_FLUSH_SECONDS": "0.5",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT),
        # The jobs' type (JobFactory): the worker consumes only that pool's queue.
        "LORA_GPU_TYPE": "h100-80gb",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "worker.celery_app", "worker",
             "--concurrency", "1", "--pool", "solo",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        import worker.training  # noqa: F401  (the adapter check needs it: load it meanwhile)

        wait_for(lambda: b"ready." in log.read_bytes() or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, log.read_text()
        yield log
    finally:
        proc.send_signal(signal.SIGQUIT)  # cold shutdown: no job is running by now
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(autouse=True)
def api_url(live_server: Any, settings: Any) -> str:
    """The dispatcher puts this in every task message: the workers reach the live server."""
    settings.LORA_API_URL = live_server.url
    return str(live_server.url)


def _dispatch(job: Job) -> None:
    assert str(job.pk) in dispatch_queued()


def _wait_status(job: Job, statuses: set[str], log: Path, timeout: float = 90) -> Job:
    def done() -> Job | None:
        fresh = Job.objects.get(pk=job.pk)
        return fresh if fresh.status in statuses else None

    try:
        return wait_for(done, timeout=timeout, interval=0.2)
    except AssertionError as exc:
        tail = log.read_text()[-4000:]
        raise AssertionError(f"job never reached {statuses}; worker log:\n{tail}") from exc


def _expected_steps(total: int, hyper: dict[str, Any]) -> list[int]:
    every = (hyper["log_every"], hyper["eval_every"])
    return [0] + [s for s in range(1, total + 1) if s == total or any(s % e == 0 for e in every)]


def test_a_job_trains_through_all_stages_and_its_adapter_reloads(
    live_server: Any, celery_worker: Path
) -> None:
    job = _job()
    _dispatch(job)
    job = _wait_status(job, {JobStatus.COMPLETED, JobStatus.FAILED}, celery_worker)
    assert job.status == JobStatus.COMPLETED, (job.error_category, job.error_message)

    runs = {r.stage: r for r in StageRun.objects.filter(job=job)}
    assert all(runs[s].state == "completed" for s in STAGES)
    assert all(runs[s].finished_at >= runs[s].started_at for s in STAGES)
    started = [
        e.payload["stage"]
        for e in Event.objects.filter(job=job, message__endswith=" started").order_by("seq")
    ]
    assert started == list(STAGES)

    total = job.result["total_steps"]
    steps = list(
        MetricPoint.objects.filter(job=job).order_by("step").values_list("step", flat=True)
    )
    assert steps == _expected_steps(total, job.hyperparameters)
    assert job.current_step == total and job.total_steps == total
    vals = list(
        MetricPoint.objects.filter(job=job, val_loss__isnull=False)
        .order_by("step")
        .values_list("val_loss", flat=True)
    )
    assert vals[-1] < vals[0]
    assert job.result["final_val_loss"] == pytest.approx(vals[-1])
    assert job.measured_tokens_per_second and job.measured_tokens_per_second > 0
    assert Checkpoint.objects.filter(job=job, step=10).exists()
    # CPU host: GPU fields are unknown, never zero.
    assert not MetricPoint.objects.filter(job=job, gpu_utilization__isnull=False).exists()

    from worker.training import TrainingConfig, evaluate_adapter

    with job.adapter_file.open("rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == job.adapter_sha256
    config = TrainingConfig.from_dict({**job.hyperparameters, "base_model": job.base_model})
    reloaded = evaluate_adapter(
        adapter_archive=job.adapter_file.path, config=config, dataset_path=job.dataset.file.path
    )
    assert reloaded == pytest.approx(job.result["final_val_loss"], abs=1e-4)


def test_a_lost_attempt_resumes_from_its_checkpoint_without_duplicate_steps(
    live_server: Any, celery_worker: Path
) -> None:
    job = _job(epochs=6)  # ~100 steps: long enough to interrupt after the checkpoint at 10
    _dispatch(job)
    wait_for(lambda: Checkpoint.objects.filter(job=job).exists(), timeout=90, interval=0.1)
    # The worker "goes silent": its lease is gone, so the reaper re-queues the job and the
    # dispatcher (run after that commit) starts attempt 2, which resumes from the checkpoint.
    lost = Job.objects.get(pk=job.pk)
    slot_release(holder=str(lost.pk), fence=lost.fence)
    assert reap_lost() == [str(job.pk)]
    job = _wait_status(job, {JobStatus.COMPLETED, JobStatus.FAILED}, celery_worker)
    assert job.status == JobStatus.COMPLETED, (job.error_category, job.error_message)
    assert job.attempt == 2 and job.resume_step >= 10

    total = job.result["total_steps"]
    points = list(
        MetricPoint.objects.filter(job=job).order_by("step").values_list("step", "attempt")
    )
    assert [s for s, _ in points] == _expected_steps(total, job.hyperparameters)
    assert all(a == (1 if s <= job.resume_step else 2) for s, a in points)
    assert job.current_step == total
    resumed = f"resuming from the checkpoint at step {job.resume_step}"
    assert Event.objects.filter(job=job, message__contains=resumed).exists()


def test_cancel_stops_a_running_job_within_seconds(live_server: Any, celery_worker: Path) -> None:
    job = _job(epochs=100)
    _dispatch(job)
    wait_for(lambda: Job.objects.get(pk=job.pk).current_step >= 12, timeout=90, interval=0.1)
    asked = time.monotonic()
    job_cancel(job_id=job.pk, user=UserFactory(), reason="testing")
    job = _wait_status(job, {JobStatus.CANCELLED}, celery_worker, timeout=15)
    assert time.monotonic() - asked < 8
    assert job.current_step < job.total_steps
    assert MetricPoint.objects.filter(job=job).count() >= 4
    assert Checkpoint.objects.filter(job=job, step=job.current_step).exists()  # the stop point
    assert Event.objects.filter(job=job, worker_seq__isnull=False).exists()


def test_a_malformed_dataset_fails_with_the_offending_line(
    live_server: Any, celery_worker: Path
) -> None:
    good = chat_jsonl(4).decode().splitlines()
    content = "\n".join([good[0], good[1], '{"messages": [{"role": "user"', good[2]]) + "\n"
    job = _job(content.encode())
    _dispatch(job)
    job = _wait_status(job, {JobStatus.FAILED, JobStatus.COMPLETED}, celery_worker)
    assert job.status == JobStatus.FAILED
    assert job.error_category == "invalid_dataset"
    assert "line 3" in job.error_message
    assert StageRun.objects.get(job=job, stage="preprocessing").state == "failed"
