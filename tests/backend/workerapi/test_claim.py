"""Claim: once per attempt, only from provisioning; returns the spec and the resume point."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.base import ContentFile

from backend.jobs.models import Attempt, Checkpoint, Job, JobStatus
from backend.jobs.services import job_cancel
from backend.telemetry.models import Event, MetricPoint
from tests.attempts import attempt_lose, attempt_start
from tests.backend.workerapi.conftest import WorkerClient
from tests.factories import DatasetFactory, JobFactory

pytestmark = pytest.mark.django_db


def test_claim_moves_provisioning_to_running_and_returns_the_spec(worker: WorkerClient) -> None:
    response = worker.claim("gpu-7")
    assert response.status_code == 200
    body = response.json()
    job = Job.objects.get(pk=worker.started.job_id)
    assert job.status == JobStatus.RUNNING
    assert job.worker_host == "gpu-7"
    assert body["action"] == "run"
    assert (body["attempt"], body["fence"]) == (1, worker.started.fence)
    assert body["job"]["base_model"] == "tiny-random-llama"
    assert body["job"]["hyperparameters"] == job.hyperparameters
    assert body["dataset"]["url"] == f"/api/worker/jobs/{job.pk}/dataset"
    assert body["validation_dataset"] is None
    assert body["checkpoint"] is None
    assert body["resume_step"] == 0
    assert body["limits"]["max_metric_points"] == 500
    attempt = Attempt.objects.get(job=job, number=1)
    assert attempt.claimed_at is not None
    assert attempt.worker_host == "gpu-7"
    assert Event.objects.filter(job=job, message__contains="started attempt 1").exists()

    download = worker.get(body["dataset"]["url"])
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    job.dataset.file.open("rb")
    assert content == job.dataset.file.read()


def test_claim_twice_is_409_and_changes_nothing(running: WorkerClient) -> None:
    before = Job.objects.get(pk=running.started.job_id)
    response = running.claim("another-host")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_claimed"
    after = Job.objects.get(pk=running.started.job_id)
    assert after.worker_host == before.worker_host == "gpu-host-1"


def test_claim_with_the_wrong_attempt_number_is_409(worker: WorkerClient) -> None:
    response = worker.post(worker.url("claim"), {"attempt": 2}, format="json")
    assert response.status_code == 409
    assert Job.objects.get(pk=worker.started.job_id).status == JobStatus.PROVISIONING


def test_claim_of_a_cancelling_job_says_cancel_and_ends_it(
    worker: WorkerClient, owner: object
) -> None:
    job_cancel(job_id=worker.started.job_id, user=owner, reason="testing")
    response = worker.claim()
    assert response.status_code == 200
    assert response.json()["action"] == "cancel"
    job = Job.objects.get(pk=worker.started.job_id)
    assert job.status == JobStatus.CANCELLED
    # The token died with the attempt.
    assert worker.write("heartbeat").status_code == 401


def test_claim_returns_the_latest_checkpoint_and_drops_later_metric_steps(
    running: WorkerClient,
) -> None:
    job_id = running.started.job_id
    points = [{"step": s, "train_loss": 3.0 - s / 100} for s in (10, 20, 30, 40)]
    assert running.write("metrics", {"points": points}).status_code == 200
    data = b"checkpoint-at-20"
    for step, blob in ((10, b"checkpoint-at-10"), (20, data)):
        Checkpoint.objects.create(
            job_id=job_id,
            attempt=1,
            step=step,
            file=ContentFile(blob, name="c.pt"),
            size_bytes=len(blob),
            sha256=hashlib.sha256(blob).hexdigest(),
        )
    attempt_lose(job_id)
    second = WorkerClient(attempt_start(job_id))
    body = second.claim().json()
    assert body["resume_step"] == 20
    assert body["checkpoint"]["step"] == 20
    assert body["checkpoint"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert sorted(MetricPoint.objects.filter(job_id=job_id).values_list("step", flat=True)) == [
        10,
        20,
    ]
    job = Job.objects.get(pk=job_id)
    assert (job.current_step, job.resume_step, job.attempt) == (20, 20, 2)
    assert job.latest_metrics["step"] == 20
    file = second.get(body["checkpoint"]["url"])
    assert b"".join(file.streaming_content) == data
    assert file["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()


def test_claim_of_a_job_that_is_not_provisioning_is_409(db: None) -> None:
    job = JobFactory()
    started = attempt_start(job)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    response = WorkerClient(started).claim()
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_claimable"


def test_validation_dataset_is_offered_when_the_job_has_one(db: None) -> None:
    job = JobFactory(validation_dataset=DatasetFactory(sha256="ab" * 32))
    client = WorkerClient(attempt_start(job))
    body = client.claim().json()
    assert body["validation_dataset"]["url"].endswith("/validation-dataset")
    assert body["validation_dataset"]["sha256"] == "ab" * 32
    assert client.get(body["validation_dataset"]["url"]).status_code == 200
