"""Pause and resume (FR2.2.2): the request, the worker's stop, resume (other GPU type, changed
hyperparameters), the rules (queued, finalizing, finished, cancel while paused), requests that
race the end of training, system pauses, the history, and who may do what."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from backend.jobs.models import Job, JobPause, JobStatus
from backend.jobs.pausing import job_pause, job_resume
from backend.jobs.services import job_cancel
from backend.telemetry.models import Event
from tests.attempts import attempt_lose, attempt_start
from tests.backend.workerapi.conftest import WorkerClient
from tests.factories import GpuTypeFactory, JobFactory

pytestmark = pytest.mark.django_db


def _running(job: Job, stage: str = "training") -> WorkerClient:
    """Start and claim an attempt of `job` and put it in `stage`, as a worker does."""
    worker = WorkerClient(attempt_start(job))
    assert worker.claim().status_code == 200
    assert worker.write("stage", {"stage": stage, "state": "active"}).status_code == 200
    return worker


def _checkpoint(worker: WorkerClient, step: int) -> None:
    data = f"weights at {step}".encode()
    r = worker.write(
        "checkpoints",
        {
            "step": step,
            "sha256": hashlib.sha256(data).hexdigest(),
            "file": SimpleUploadedFile("c.pt", data),
        },
        format="multipart",
    )
    assert r.status_code == 201, r.json()


def _stop(worker: WorkerClient, step: int, **extra: Any) -> Any:
    body = {"stopped": "pause", "result": json.dumps({"step": step}), **extra}
    return worker.write("complete", body, format="multipart")


def _pause(client: Any, job: Job) -> Any:
    return client.post(f"/api/training/jobs/{job.pk}/pause")


def _resume(client: Any, job: Job, **body: Any) -> Any:
    return client.post(f"/api/training/jobs/{job.pk}/resume", body, format="json")


@pytest.fixture
def job(owner: Any) -> Job:
    return JobFactory(created_by=owner, total_steps=0)


def test_pause_is_requested_then_the_worker_stops_at_a_checkpoint_and_the_job_is_paused(
    owner: Any, owner_client: Any, job: Job
) -> None:
    worker = _running(job)
    assert "pause" in owner_client.get(f"/api/training/jobs/{job.pk}").json()["allowed_actions"]
    r = _pause(owner_client, job)
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "running" and "pause" not in body["allowed_actions"]
    assert body["pause"]["state"] == "requested" and body["pause"]["source"] == "user"
    assert body["pause"]["requested_by"]["username"] == owner.username
    assert body["pause"]["reason"] == "Paused by Olivia Owner"
    # The worker hears it on its next heartbeat; a second request changes nothing.
    assert worker.write("heartbeat", {}).json()["action"] == "pause"
    assert _pause(owner_client, job).status_code == 200
    assert JobPause.objects.filter(job=job).count() == 1

    _checkpoint(worker, 40)
    r = _stop(worker, 40)
    assert r.status_code == 200 and r.json()["status"] == "paused"
    job.refresh_from_db()
    assert job.status == JobStatus.PAUSED and job.billing_since is None
    assert job.pause_requested_at is None and job.current_step == 40
    pause = JobPause.objects.get(job=job)
    assert (pause.state, pause.step, pause.number) == ("paused", 40, 1)
    assert pause.paused_at is not None and pause.ended_at is None
    # Spend so far is the billed time until the stop, and stays there while paused.
    assert pause.spend == job.spend_at(pause.paused_at)
    assert job.spend_at(timezone.now() + timedelta(hours=5)) == pause.spend
    detail = owner_client.get(f"/api/training/jobs/{job.pk}").json()
    assert detail["status"] == "paused" and detail["allowed_actions"] == ["cancel", "resume"]
    assert detail["pause"]["state"] == "paused" and detail["pause"]["step"] == 40
    assert detail["pause"]["spend"] == pytest.approx(float(pause.spend))


def test_resume_requeues_and_the_next_attempt_starts_from_the_pause_checkpoint(
    owner: Any, owner_client: Any, job: Job
) -> None:
    worker = _running(job)
    job_pause(job_id=job.pk, user=owner)
    _checkpoint(worker, 40)
    _stop(worker, 40)
    r = _resume(owner_client, job)
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "queued" and r.json()["pause"] is None
    pause = JobPause.objects.get(job=job)
    assert pause.state == "resumed" and pause.ended_at is not None
    assert pause.resumed_by == owner and pause.resume_gpu_type is None
    event = Event.objects.filter(job=job).latest("seq")
    assert event.message == "Resumed by Olivia Owner from step 40"
    again = WorkerClient(attempt_start(job))
    claim = again.claim().json()
    assert claim["resume_step"] == 40 and claim["checkpoint"]["step"] == 40


def test_resume_on_another_gpu_type_keeps_the_price_of_the_time_billed_before(
    owner: Any, owner_client: Any
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.PAUSED, hourly_rate=Decimal("2.49"))
    job.billed_seconds = 3600.0
    job.save()
    cheap = GpuTypeFactory(slug="l4", name="L4", spot_hourly_rate=Decimal("1.00"))
    r = _resume(owner_client, job, gpu_type="l4")
    assert r.status_code == 200, r.json()
    job.refresh_from_db()
    assert job.gpu_type == cheap and job.hourly_rate == Decimal("1.00")
    now = timezone.now()
    assert job.spend_at(now) == Decimal("2.4900")
    # One more billed hour on the new type costs its rate.
    job.billed_seconds += 3600.0
    assert job.spend_at(now) == Decimal("3.4900")
    event = Event.objects.filter(job=job).latest("seq")
    assert event.message.endswith("from step 0 on L4 (was H100)")


def test_resume_with_a_new_learning_rate_records_the_change(owner: Any, owner_client: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.PAUSED)
    JobPause.objects.create(
        job=job, number=1, source="user", state="paused", paused_at=job.created_at
    )
    before = job.hyperparameters["learning_rate"]
    r = _resume(owner_client, job, hyperparameters={"learning_rate": before / 2})
    assert r.status_code == 200, r.json()
    job.refresh_from_db()
    assert job.hyperparameters["learning_rate"] == before / 2
    assert JobPause.objects.get(job=job).resume_changes == {"learning_rate": [before, before / 2]}


@pytest.mark.parametrize(
    ("hyperparameters", "field"),
    [
        ({"batch_size": 16}, "hyperparameters.batch_size"),
        ({"learning_rate": 5.0}, "learning_rate"),
    ],
)
def test_resume_refuses_fields_that_change_the_run_or_break_bounds(
    owner: Any, owner_client: Any, hyperparameters: dict[str, Any], field: str
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.PAUSED)
    r = _resume(owner_client, job, hyperparameters=hyperparameters)
    assert r.status_code == 400
    assert any(field in k for k in r.json()["error"]["fields"]), r.json()
    assert Job.objects.get(pk=job.pk).status == JobStatus.PAUSED


@pytest.mark.parametrize(
    ("status", "stage", "code", "text"),
    [
        ("queued", "", "invalid_state", "cancel it instead"),
        ("provisioning", "", "invalid_state", "waiting for its worker"),
        ("running", "finalization", "finalizing", "adapter is being saved"),
        ("cancelling", "training", "invalid_state", "being cancelled"),
        ("completed", "", "conflict", "already completed"),
    ],
)
def test_pause_is_refused_with_a_clear_answer(
    owner: Any, owner_client: Any, status: str, stage: str, code: str, text: str
) -> None:
    job = JobFactory(created_by=owner, status=status, stage=stage)
    r = _pause(owner_client, job)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == code and text in r.json()["error"]["message"]
    assert not JobPause.objects.filter(job=job).exists()
    assert Job.objects.get(pk=job.pk).pause_requested_at is None


def test_only_a_paused_job_resumes(owner: Any, owner_client: Any) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING)
    r = _resume(owner_client, job)
    assert r.status_code == 409 and "Only a paused job" in r.json()["error"]["message"]


def test_a_paused_job_can_be_cancelled(owner: Any, job: Job) -> None:
    worker = _running(job)
    job_pause(job_id=job.pk, user=owner)
    _stop(worker, 0)
    job_cancel(job_id=job.pk, user=owner, reason="testing")
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    pause = JobPause.objects.get(job=job)
    assert pause.state == "cancelled" and pause.ended_at is not None


def test_a_pause_that_arrives_as_training_ends_is_answered_not_lost(
    owner: Any, owner_client: Any, job: Job
) -> None:
    worker = _running(job)
    assert _pause(owner_client, job).status_code == 200
    # The worker had already run its last step: it completes with the adapter.
    adapter = b"adapter bytes"
    r = worker.write(
        "complete",
        {
            "result": json.dumps({"step": 100}),
            "adapter": SimpleUploadedFile("a.tar.gz", adapter),
            "adapter_sha256": hashlib.sha256(adapter).hexdigest(),
        },
        format="multipart",
    )
    assert r.status_code == 200 and r.json()["status"] == "completed"
    job.refresh_from_db()
    assert job.pause_requested_at is None
    pause = JobPause.objects.get(job=job)
    assert pause.state == "not_applied"
    assert pause.note == "The job completed before its worker reached a step boundary to pause at."
    history = owner_client.get(f"/api/training/jobs/{job.pk}/pauses").json()
    assert history["pauses"][0]["state"] == "not_applied"


def test_cancel_wins_over_a_pending_pause(owner: Any, job: Job) -> None:
    worker = _running(job)
    job_pause(job_id=job.pk, user=owner)
    job_cancel(job_id=job.pk, user=owner, reason="testing")
    assert worker.write("heartbeat", {}).json()["action"] == "cancel"
    assert _stop(worker, 10).json()["status"] == "cancelled"
    assert JobPause.objects.get(job=job).state == "not_applied"


def test_a_lost_worker_does_not_lose_the_pause_request(owner: Any, job: Job) -> None:
    _running(job)
    job_pause(job_id=job.pk, user=owner)
    attempt_lose(job)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.pause_requested_at is not None
    # The next attempt is told to pause at once and the job pauses at its checkpoint.
    again = _running(job)
    assert again.write("heartbeat", {}).json()["action"] == "pause"
    assert _stop(again, 0).json()["status"] == "paused"
    assert JobPause.objects.get(job=job).state == "paused"


def test_a_system_pause_carries_its_source_and_reason(owner: Any, job: Job) -> None:
    worker = _running(job)
    job_pause(job_id=job.pk, source="budget", reason="Budget cap of $5.00 reached")
    pause = JobPause.objects.get(job=job)
    assert (pause.source, pause.requested_by, pause.reason) == (
        "budget",
        None,
        "Budget cap of $5.00 reached",
    )
    event = Event.objects.filter(job=job).latest("seq")
    assert event.message.startswith("Pause requested by Budget cap at step 0")
    assert _stop(worker, 0).json()["status"] == "paused"


def test_history_lists_every_pause_with_active_and_paused_time(
    owner: Any, owner_client: Any, job: Job
) -> None:
    for n, step in enumerate((20, 50), start=1):
        worker = _running(job)
        job_pause(job_id=job.pk, user=owner)
        _checkpoint(worker, step)
        _stop(worker, step)
        if n == 1:
            job_resume(job_id=job.pk, user=owner)
    body = owner_client.get(f"/api/training/jobs/{job.pk}/pauses").json()
    assert [(p["number"], p["state"], p["step"]) for p in body["pauses"]] == [
        (1, "resumed", 20),
        (2, "paused", 50),
    ]
    first = JobPause.objects.get(job=job, number=1)
    assert body["pauses"][0]["paused_seconds"] == pytest.approx(
        (first.ended_at - first.paused_at).total_seconds()
    )
    job.refresh_from_db()
    assert body["active_seconds"] == pytest.approx(job.billed_seconds)
    assert body["paused_seconds"] >= body["pauses"][0]["paused_seconds"]


def test_resume_options_price_the_rest_per_gpu_type_with_warnings(
    owner: Any, owner_client: Any
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.PAUSED, total_steps=100)
    GpuTypeFactory(slug="l4", name="L4", spot_hourly_rate=Decimal("1.00"), bf16_tflops=121.0)
    body = owner_client.get(f"/api/training/jobs/{job.pk}/resume-options").json()
    assert body["resume_step"] == 0 and body["pricing"] == "spot"
    by_slug = {o["gpu_type"]["slug"]: o for o in body["options"]}
    assert by_slug["h100-80gb"]["current"] and not by_slug["l4"]["current"]
    assert by_slug["l4"]["hourly_rate"] == 1.0
    assert any("step 0" in w for w in by_slug["h100-80gb"]["warnings"])
    assert any("not be bit-identical" in w for w in by_slug["l4"]["warnings"])
    assert any("No L4 worker is online" in w for w in by_slug["l4"]["warnings"])


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("owner", True), ("teammate", False), ("manager", True), ("anonymous", False)],
)
def test_pause_and_resume_permissions(
    request: pytest.FixtureRequest, owner: Any, persona: str, allowed: bool
) -> None:
    client = request.getfixturevalue(
        "anon_client" if persona == "anonymous" else f"{persona}_client"
    )
    job = JobFactory(created_by=owner, total_steps=0)
    _running(job)
    r = _pause(client, job)
    assert r.status_code == (200 if allowed else (401 if persona == "anonymous" else 403))
    options = client.get(f"/api/training/jobs/{job.pk}/resume-options")
    assert (options.status_code == 200) == allowed
    paused = JobFactory(created_by=owner, status=JobStatus.PAUSED)
    r = _resume(client, paused)
    assert r.status_code == (200 if allowed else (401 if persona == "anonymous" else 403))
    assert Job.objects.get(pk=paused.pk).status == ("queued" if allowed else "paused")
    history = client.get(f"/api/training/jobs/{job.pk}/pauses")
    assert history.status_code == (401 if persona == "anonymous" else 200)


def test_a_paused_jobs_projection_is_its_resume_estimate_and_stays_put(
    owner: Any, owner_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A paused job accrues nothing: its remaining time and projected cost are the resume
    estimate on its own GPU type (the resume dialog's figures), not a step rate that decays
    while the clock runs."""
    from backend.jobs.serializers import job_detail as detail_module

    job = JobFactory(
        created_by=owner,
        status=JobStatus.PAUSED,
        total_steps=100,
        current_step=40,
        training_started_at=timezone.now() - timedelta(minutes=10),
        billed_seconds=600.0,
        hourly_rate=Decimal("2.00"),
        spend_before_rate=Decimal("0"),
    )
    option = next(
        o
        for o in owner_client.get(f"/api/training/jobs/{job.pk}/resume-options").json()["options"]
        if o["current"]
    )
    assert option["cost_min"] is not None and option["cost_min"] > 0
    first = owner_client.get(f"/api/training/jobs/{job.pk}").json()
    middle = (option["cost_min"] + option["cost_max"]) / 2
    assert first["cost"]["projected_final"] == pytest.approx(
        first["cost"]["current_spend"] + middle, abs=1e-3
    )
    assert first["timing"]["remaining_seconds"] == pytest.approx(option["duration_seconds"], 0.01)
    # An hour later nothing has moved (the step rate would have said 10x longer).
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(detail_module, "response_now", lambda context: later)
    second = owner_client.get(f"/api/training/jobs/{job.pk}").json()
    assert second["cost"]["projected_final"] == first["cost"]["projected_final"]
    assert second["timing"]["remaining_seconds"] == first["timing"]["remaining_seconds"]
