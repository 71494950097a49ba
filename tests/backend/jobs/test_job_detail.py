"""GET /api/training/jobs/{id}: the dashboard payload, conditional GET, constant queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.jobs.models import Checkpoint, JobStatus, StageRun
from backend.telemetry.services import event_record
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def url(job: Any) -> str:
    return f"/api/training/jobs/{job.pk}"


@pytest.fixture
def running_job(owner: Any) -> Any:
    now = timezone.now()
    started = now - timedelta(minutes=30)
    job = JobFactory(
        created_by=owner,
        status=JobStatus.RUNNING,
        stage="training",
        substatus="Epoch 2/3 · Step 850/2000",
        started_at=started,
        billing_since=started,
        hourly_rate=Decimal("2.00"),
        current_step=850,
        total_steps=2000,
        current_epoch=2,
        total_epochs=3,
        resume_step=0,
        training_started_at=now - timedelta(seconds=850),  # one step per second
        est_total_steps=2000,
        est_cost_min=Decimal("1.70"),
        est_cost_max=Decimal("2.30"),
        est_duration_seconds=3600,
        est_basis="flops",
        latest_metrics={"step": 850, "train_loss": 0.342, "val_loss": 0.358},
        previous_metrics={"step": 840, "train_loss": 0.389, "val_loss": 0.412},
    )
    stages = {s.stage: s for s in job.stages.all()}
    for name in ("preprocessing", "model_loading"):
        s = stages[name]
        s.state, s.started_at = "completed", started
        s.finished_at = started + timedelta(minutes=1)
        s.save()
    t = stages["training"]
    t.state, t.started_at, t.substatus = "active", job.training_started_at, job.substatus
    t.save()
    f = stages["finalization"]
    f.estimated_seconds = 10.0
    f.save()
    return job


def test_running_job_dashboard_values(owner_client: Any, running_job: Any) -> None:
    body = owner_client.get(url(running_job)).json()
    assert body["progress"] == {
        "current_step": 850,
        "total_steps": 2000,
        "current_epoch": 2,
        "total_epochs": 3,
        "percent": 42.5,
    }
    states = [(s["stage"], s["state"]) for s in body["stages"]]
    assert states == [
        ("preprocessing", "completed"),
        ("model_loading", "completed"),
        ("training", "active"),
        ("finalization", "pending"),
    ]
    assert body["stages"][0]["duration_seconds"] == 60.0
    assert body["stages"][2]["substatus"] == "Epoch 2/3 · Step 850/2000"
    assert body["timing"]["elapsed_seconds"] == pytest.approx(1800, abs=3)
    # 1150 steps left at the measured 1 step/s, plus the finalization estimate.
    assert body["timing"]["remaining_seconds"] == pytest.approx(1160, abs=5)
    assert body["timing"]["remaining_basis"] == "measured"
    cost = body["cost"]
    assert cost["current_spend"] == pytest.approx(1.00, abs=0.01)  # 30 min at $2/h
    assert cost["percent_of_estimate"] == pytest.approx(100 / 2.30, abs=0.5)
    assert cost["projected_final"] == pytest.approx(1.00 + 1160 / 3600 * 2, abs=0.01)
    assert cost["over_estimate"] is False
    assert body["latest_metrics"]["train_loss"] == 0.342
    assert body["previous_metrics"]["train_loss"] == 0.389
    assert body["queue"] is None and body["error"] is None and body["cancel"] is None
    assert body["dataset"]["num_examples"] == 20


def test_cost_over_estimate_is_flagged(owner_client: Any, running_job: Any) -> None:
    running_job.est_cost_max = Decimal("0.50")
    running_job.save()
    cost = owner_client.get(url(running_job)).json()["cost"]
    assert cost["over_estimate"] is True and cost["percent_of_estimate"] > 100


def test_failed_job_shows_its_error_and_keeps_its_data(owner: Any, owner_client: Any) -> None:
    job = JobFactory(
        created_by=owner,
        status=JobStatus.FAILED,
        error_category="nan_loss",
        error_message="Loss became NaN at step 412",
        error_step=412,
        current_step=412,
        latest_metrics={"step": 410, "train_loss": 9.1},
    )
    StageRun.objects.filter(job=job, stage="training").update(state="failed")
    body = owner_client.get(url(job)).json()
    assert body["error"] == {
        "category": "nan_loss",
        "message": "Loss became NaN at step 412",
        "step": 412,
        "is_user_error": True,
    }
    assert body["stages"][2]["state"] == "failed"
    assert body["latest_metrics"]["train_loss"] == 9.1
    assert body["allowed_actions"] == ["delete"]


def test_queued_job_shows_its_position(owner_client: Any) -> None:
    now = timezone.now()
    JobFactory(status=JobStatus.QUEUED, queue_order=now.timestamp() - 10)
    job = JobFactory(status=JobStatus.QUEUED, queue_order=now.timestamp())
    assert owner_client.get(url(job)).json()["queue"]["position"] == 2


def test_checkpoint_count(owner_client: Any, running_job: Any) -> None:
    for step in (100, 200):
        Checkpoint.objects.create(
            job=running_job,
            attempt=1,
            step=step,
            size_bytes=10,
            sha256="0" * 64,
            file=f"checkpoints/x/{step}.pt",
        )
    assert owner_client.get(url(running_job)).json()["checkpoint_count"] == 2


def test_conditional_get_returns_304_until_the_job_changes(
    owner_client: Any, running_job: Any
) -> None:
    first = owner_client.get(url(running_job))
    etag = first["ETag"]
    again = owner_client.get(url(running_job), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    event_record(job=running_job, type="info", message="something happened")
    changed = owner_client.get(url(running_job), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_etag_differs_per_user_because_actions_do(
    owner_client: Any, teammate_client: Any, running_job: Any
) -> None:
    assert (
        owner_client.get(url(running_job))["ETag"] != teammate_client.get(url(running_job))["ETag"]
    )


def test_unknown_and_malformed_ids_are_404(owner_client: Any) -> None:
    response = owner_client.get("/api/training/jobs/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert owner_client.get("/api/training/jobs/not-a-uuid").status_code == 404


def test_detail_runs_a_constant_number_of_queries(owner_client: Any, running_job: Any) -> None:
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url(running_job))
    for step in range(1, 30):
        Checkpoint.objects.create(
            job=running_job,
            attempt=1,
            step=step,
            size_bytes=1,
            sha256="0" * 64,
            file=f"c/{step}.pt",
        )
        event_record(job=running_job, type="info", message=f"e{step}")
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url(running_job))
    # The poll's validator, the job with its creator, GPU type and dataset, its stages: a running
    # job without a pause request needs no pause query, and nothing joins a second job row.
    assert len(many) == len(few) == 3, [q["sql"][:80] for q in many]
