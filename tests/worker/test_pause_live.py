"""Pause / resume and anomaly auto-pause with real tiny-model training against the live API.

The attempt runner runs in this process (real `run_training`, real API over HTTP, real Redis
leases), so the test can ask for the pause at an exact step and inject a NaN or a loss spike
into the loop. A paused job resumed (on another GPU type) must end with the adapter of an
uninterrupted run, one metric row per step, and no billed time while paused.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.jobs.models import Attempt, Job, JobPause, JobStatus
from backend.jobs.pausing import job_pause
from backend.telemetry.models import Event, MetricPoint
from tests.attempts import attempt_start
from tests.factories import GpuTypeFactory, UserFactory
from tests.worker.conftest import wait_for
from tests.worker.live_jobs import live_job, tiny_hyperparameters
from worker.runner import execute_job
from worker.training import loop as loop_module
from worker.training.artifacts import extract_adapter_archive

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("redis_prefix"),
]


def _job(owner: Any) -> Job:
    """A tiny job logging every step (one metric row per step) with a checkpoint every 5."""
    return live_job(
        created_by=owner,
        hyperparameters=tiny_hyperparameters(eval_every=100, checkpoint_every=5, log_every=1),
    )


def _attempt(
    live_server: Any, job: Job, sent: list[dict[str, Any]], gpu_type: str = "h100-80gb"
) -> str:
    """Run the job's next attempt here: the one the dispatcher sent when a worker of its type
    is online (after a resume), else one started as the dispatcher does."""
    if Job.objects.get(pk=job.pk).status == JobStatus.PROVISIONING:
        task = next(t for t in reversed(sent) if t["job_id"] == str(job.pk))
        kwargs = {k: task[k] for k in ("job_id", "attempt", "token")}
    else:
        kwargs = {k: v for k, v in attempt_start(job).task_kwargs("").items() if k != "api_url"}
    return execute_job(**kwargs, api_url=live_server.url, flush_seconds=0.1, gpu_type=gpu_type)


def _adapter(job: Job, tmp: Path) -> dict[str, Any]:
    from safetensors.torch import load_file

    archive = tmp / f"{job.pk}.tar.gz"
    with job.adapter_file.open("rb") as src:
        archive.write_bytes(src.read())
    return load_file(
        str(extract_adapter_archive(archive, tmp / str(job.pk)) / "adapter_model.safetensors")
    )


def _steps(job: Job) -> list[int]:
    return list(MetricPoint.objects.filter(job=job).order_by("step").values_list("step", flat=True))


@pytest.fixture(autouse=True)
def _fast_heartbeat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LORA_HEARTBEAT_SECONDS", "0.5")


@pytest.fixture
def owner() -> Any:
    return UserFactory(username="olivia", first_name="Olivia", last_name="Owner")


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_pause_at_a_step_then_resume_on_another_gpu_type_equals_an_uninterrupted_run(
    live_server: Any,
    owner: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sent_tasks: list[dict[str, Any]],
) -> None:
    reference = _job(owner)
    assert _attempt(live_server, reference, sent_tasks) == "completed"
    reference.refresh_from_db()
    total = reference.total_steps
    assert total > 20

    job = _job(owner)
    pause_after = 7  # steps done when the user presses Pause
    real_stop = loop_module.stop_request
    checks = {"n": 0}

    def stop_request(reporter: Any) -> str | None:
        checks["n"] += 1
        # Checked after preprocessing, after model loading, then before every step.
        if checks["n"] == 2 + pause_after + 1:
            job_pause(job_id=job.pk, user=owner)
            reporter.flush(timeout=10)
            wait_for(lambda: real_stop(reporter) == "pause", timeout=20)
        return real_stop(reporter)

    monkeypatch.setattr(loop_module, "stop_request", stop_request)
    assert _attempt(live_server, job, sent_tasks) == "stopped:pause"
    monkeypatch.setattr(loop_module, "stop_request", real_stop)
    job.refresh_from_db()
    pause = JobPause.objects.get(job=job)
    assert job.status == JobStatus.PAUSED and job.billing_since is None
    assert (pause.state, pause.step, job.current_step) == ("paused", pause_after, pause_after)
    assert job.checkpoints.order_by("-step").first().step == pause_after
    billed_at_pause = job.billed_seconds
    # Paused time must pass for the bill to leave it out: nothing to poll for here.
    time.sleep(1.0)

    l4 = GpuTypeFactory(slug="l4", name="L4", spot_hourly_rate=Decimal("0.80"))
    r = _client(owner).post(
        f"/api/training/jobs/{job.pk}/resume", {"gpu_type": "l4"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert _attempt(live_server, job, sent_tasks, gpu_type="l4") == "completed"
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.gpu_type == l4

    # The same adapter as the uninterrupted run (same seed, same data order).
    want, got = _adapter(reference, tmp_path), _adapter(job, tmp_path)
    assert sorted(want) == sorted(got)
    for name, tensor in want.items():
        assert (got[name] - tensor).abs().max().item() <= 1e-6, name
    # One metric row per step, none repeated or skipped.
    assert _steps(job) == _steps(reference) == list(range(0, total + 1))

    # Billed: the two attempts' active time, not the pause; each part at its type's rate.
    pause.refresh_from_db()
    paused = (pause.ended_at - pause.paused_at).total_seconds()
    assert paused >= 1.0
    attempts = list(Attempt.objects.filter(job=job).order_by("number"))
    active = sum((a.ended_at - a.created_at).total_seconds() for a in attempts)
    assert len(attempts) == 2 and job.billed_seconds == pytest.approx(active, abs=0.1)
    wall = (job.finished_at - job.started_at).total_seconds()
    assert job.billed_seconds <= wall - paused + 0.1
    assert job.spend_before_rate == pause.spend
    assert job.seconds_before_rate == pytest.approx(billed_at_pause)
    after = Decimal(str(job.billed_seconds - billed_at_pause)) / 3600 * Decimal("0.80")
    assert job.final_cost == (pause.spend + after).quantize(Decimal("0.0001"))


def _poison(monkeypatch: pytest.MonkeyPatch, at_step: int, factor: float) -> dict[str, bool]:
    """Multiply the loss of optimizer step `at_step` by `factor` while `on` is set."""
    real = loop_module.accumulate
    state = {"on": True, "n": 0}

    def accumulate(*args: Any, **kwargs: Any) -> Any:
        state["n"] += 1
        loss, n_trainable, tokens = real(*args, **kwargs)
        hit = state["on"] and state["n"] == at_step
        return (loss * factor if hit else loss), n_trainable, tokens

    monkeypatch.setattr(loop_module, "accumulate", accumulate)
    return state  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("factor", "at_step", "resume_step", "kind", "headline"),
    [
        (
            10.0,
            12,
            10,
            "loss_spike",
            "Loss \N{MULTIPLICATION SIGN}" r"1\d\.\d at step 12; learning rate 0\.00\d+",
        ),
        (
            float("nan"),
            8,
            5,
            "non_finite_loss",
            r"Loss became NaN/inf at step 8; learning rate 0\.00\d+",
        ),
    ],
)
def test_an_anomaly_auto_pauses_at_the_last_good_checkpoint_and_the_suggestion_completes(
    live_server: Any,
    owner: Any,
    monkeypatch: pytest.MonkeyPatch,
    sent_tasks: list[dict[str, Any]],
    factor: float,
    at_step: int,
    resume_step: int,
    kind: str,
    headline: str,
) -> None:
    job = _job(owner)
    assert job.anomaly_pause  # on by default
    poison = _poison(monkeypatch, at_step, factor)
    assert _attempt(live_server, job, sent_tasks) == "stopped:pause"
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED and job.current_step == resume_step
    pause = JobPause.objects.get(job=job)
    assert (pause.source, pause.state, pause.step) == ("anomaly", "paused", resume_step)
    assert re.fullmatch(headline, pause.reason), pause.reason
    anomaly = pause.details["anomaly"]
    assert anomaly["kind"] == kind and anomaly["step"] == at_step
    lr = job.hyperparameters["learning_rate"]
    assert anomaly["suggestion"]["resume_step"] == resume_step
    assert anomaly["suggestion"]["hyperparameters"] == {"learning_rate": lr / 2}
    assert Event.objects.filter(job=job, type="warning", message__startswith="Auto-paused").exists()

    poison["on"] = False
    r = _client(owner).post(
        f"/api/training/jobs/{job.pk}/resume",
        {"hyperparameters": anomaly["suggestion"]["hyperparameters"]},
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert _attempt(live_server, job, sent_tasks) == "completed"
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED and job.adapter_sha256
    # The rows past the checkpoint (the anomaly's) were replaced: one per step.
    assert _steps(job) == list(range(0, job.total_steps + 1))
    # From the checkpoint on, the schedule runs at half the learning rate.
    point = MetricPoint.objects.get(job=job, step=at_step)
    assert point.learning_rate == pytest.approx(anomaly["learning_rate"] / 2, rel=1e-9)
    assert point.train_loss is not None and point.train_loss < 3 * anomaly["curve"][0]["train_loss"]
