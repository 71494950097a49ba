"""Chaos: kill -9 a real Celery worker mid-training; the job recovers on a new worker.

Real processes end to end: the API (live server), a private Redis (broker + slot leases), Celery
workers running the real training loop on the tiny model. The reaper notices the dead worker
once its lease expires, re-queues the job at the front, a new worker resumes it from the last
checkpoint, and it completes with exactly one metric row per step and attempt == 2. The dead
attempt's token then gets 409 on any write, which tells a worker that outlived its lease to stop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from celery import Celery
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.datasets.services import dataset_create
from backend.jobs.models import Attempt, AttemptEnd, Checkpoint, Job, JobStatus
from backend.jobs.services import job_create
from backend.scheduling import dispatch
from backend.scheduling.reaper import reap_lost
from backend.telemetry.models import Event, MetricPoint
from tests.backend.scheduling.helpers import set_limits
from tests.backend.scheduling.redis_server import RedisServer
from tests.factories import GpuTypeFactory, UserFactory

pytest.importorskip("worker.tasks", reason="needs the Celery worker (branch workerapi)")
pytest.importorskip("worker.training", reason="needs the training loop (branch training)")

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[3]
LEASE_TTL = 15.0


def _dataset_bytes(n: int = 48) -> bytes:
    rows = []
    for i in range(n):
        rows.append(
            {
                "messages": [
                    {"role": "user", "content": f"Ticket {i}: my export #{i * 7} failed, why?"},
                    {
                        "role": "assistant",
                        "content": f"Export {i * 7} hit the size limit; split it in {i % 5 + 2}.",
                    },
                ]
            }
        )
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Workers:
    """Real `celery worker` processes on the private broker, one task at a time each."""

    def __init__(self, broker_url: str, log_dir: Path) -> None:
        self.broker_url = broker_url
        # Set by the test once the live server runs: the workers register with it.
        self.api_url = ""
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, name: str) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "CELERY_BROKER_URL": self.broker_url,
            "PYTHONPATH": str(REPO),
            "OMP_NUM_THREADS": "1",
            "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
            # The job's pool: the worker consumes `training.h100-80gb` and registers as it.
            "LORA_GPU_TYPE": "h100-80gb",
            "LORA_API_URL": self.api_url,
            "LORA_WORKER_SECRET": django_settings.LORA_WORKER_SECRET,
            "LORA_HEARTBEAT_SECONDS": "1",
        }
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "worker.celery_app",
                "worker",
                "--pool",
                "solo",
                "-n",
                f"{name}@chaos",
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "INFO",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def workers(private_redis: RedisServer, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(private_redis.url, tmp_path)
    try:
        yield pool
    finally:
        pool.stop_all()
        for log in tmp_path.glob("*.log"):
            sys.stderr.write(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-3000:]}\n")


@pytest.fixture
def broker_sends(
    private_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """Send worker.run_job to the private broker for real, remembering each message."""
    broker = Celery("chaos-test", broker=private_redis.url)
    sent: list[dict[str, Any]] = []

    def send_task(name: str, *, kwargs: dict[str, Any], queue: str, **_: Any) -> None:
        sent.append(kwargs)
        broker.send_task(name, kwargs=kwargs, queue=queue)

    monkeypatch.setattr(dispatch.celery_app, "send_task", send_task)
    return sent


def test_a_killed_worker_is_replaced_and_the_job_resumes_from_its_checkpoint(
    live_server: Any,
    settings: Any,
    workers: Workers,
    broker_sends: list[dict[str, Any]],
) -> None:
    settings.LORA_API_URL = live_server.url
    workers.api_url = live_server.url
    settings.LORA_LEASE_TTL_SECONDS = LEASE_TTL
    settings.LORA_HEARTBEAT_SECONDS = 1.0
    settings.LORA_PROVISIONING_GRACE_SECONDS = 120.0
    set_limits(concurrency_limit=1, max_restarts=3)
    user = UserFactory()
    dataset = dataset_create(
        uploaded_by=user,
        name="tickets",
        file=SimpleUploadedFile("tickets.jsonl", _dataset_bytes()),
    )
    assert dataset.is_valid, dataset.errors
    job = job_create(
        created_by=user,
        name="chaos",
        dataset=dataset,
        base_model="tiny-random-llama",
        preset="custom",
        hyperparameters={
            "epochs": 40,
            "batch_size": 2,
            "max_seq_len": 64,
            "log_every": 1,
            "checkpoint_every": 20,
            "eval_every": 50,
            "val_fraction": 0.1,
        },
        gpu_type=GpuTypeFactory(),
        pricing="spot",
    )
    # Created while the slot was free: dispatched at once, its task is on the broker.
    assert Job.objects.get(pk=job.pk).status == JobStatus.PROVISIONING
    assert [m["attempt"] for m in broker_sends] == [1]

    first = workers.start("first")

    def checkpointed_mid_training() -> int | None:
        current = Job.objects.get(pk=job.pk)
        latest = Checkpoint.objects.filter(job=job).order_by("-step").first()
        if current.status != JobStatus.RUNNING or latest is None:
            return None
        # Kill it well before the end, past its first checkpoint.
        return latest.step if current.current_step < current.total_steps // 2 else None

    _wait_for("a checkpoint while training", checkpointed_mid_training, timeout=180)
    os.kill(first.pid, signal.SIGKILL)  # kill -9: no goodbye, the lease just stops renewing
    first.wait(timeout=10)
    resume_at = Checkpoint.objects.filter(job=job).order_by("-step").first().step  # type: ignore[union-attr]
    steps_before = MetricPoint.objects.filter(job=job).count()
    assert steps_before > resume_at

    # The reaper (here called the way beat / run_scheduler call it) sees the lease expire.
    reaped = _wait_for(
        "the reaper to re-queue the job", reap_lost, timeout=LEASE_TTL * 4, every=0.5
    )
    assert reaped == [str(job.pk)]
    lost = Attempt.objects.get(job=job, number=1)
    assert lost.end_reason == AttemptEnd.LOST
    assert Event.objects.filter(
        job=job, message=f"Worker lost; will resume from checkpoint at step {resume_at}"
    ).exists()
    # Re-queued at the front and, the slot being free again, dispatched straight away.
    current = Job.objects.get(pk=job.pk)
    assert current.status == JobStatus.PROVISIONING and current.attempt == 2
    assert current.recovering is True
    assert [m["attempt"] for m in broker_sends] == [1, 2]

    # A worker that outlived its lease: every write with the old attempt's token is refused.
    stale = broker_sends[0]
    response = requests.post(
        f"{live_server.url}/api/worker/jobs/{job.pk}/heartbeat",
        json={"attempt": 1, "fence": lost.fence},
        headers={"Authorization": f"Bearer {stale['token']}"},
        timeout=10,
    )
    assert response.status_code == 409, response.text

    workers.start("second")
    _wait_for(
        "the job to complete on the second worker",
        lambda: Job.objects.get(pk=job.pk).status in (JobStatus.COMPLETED, JobStatus.FAILED),
        timeout=300,
        every=0.25,
    )
    done = Job.objects.get(pk=job.pk)
    assert done.status == JobStatus.COMPLETED, (done.error_category, done.error_message)
    assert done.attempt == 2
    second = Attempt.objects.get(job=job, number=2)
    assert second.resume_step == resume_at
    assert second.end_reason == AttemptEnd.COMPLETED

    # Exactly one metric row per step (log_every=1; step 0 is the loss before training): the
    # second attempt replaced everything above the checkpoint it resumed from, and nothing
    # below it was written twice.
    steps = list(
        MetricPoint.objects.filter(job=job).order_by("step").values_list("step", "attempt")
    )
    numbers = [s for s, _ in steps]
    assert numbers[0] in (0, 1)
    assert numbers == list(range(numbers[0], numbers[-1] + 1))
    assert numbers[-1] == done.current_step
    assert {a for s, a in steps if s <= resume_at} == {1}
    assert {a for s, a in steps if s > resume_at} == {2}
