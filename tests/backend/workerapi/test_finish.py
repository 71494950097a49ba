"""Checkpoint uploads, complete (adapter / early stop) and fail."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.jobs.models import Attempt, Checkpoint, Job, JobStatus, StageRun
from backend.jobs.services import job_cancel
from backend.telemetry.models import Event, MetricPoint
from tests.backend.workerapi.conftest import WorkerClient

pytestmark = pytest.mark.django_db


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _upload_checkpoint(client: WorkerClient, step: int, data: bytes, sha: str | None = None):
    return client.write(
        "checkpoints",
        {
            "step": step,
            "sha256": sha or _sha(data),
            "metrics": json.dumps({"train_loss": 1.5}),
            "file": SimpleUploadedFile("c.pt", data),
        },
        format="multipart",
    )


def test_checkpoint_upload_is_verified_stored_and_downloadable(running: WorkerClient) -> None:
    data = b"\x00weights" * 1000
    r = _upload_checkpoint(running, 50, data)
    assert r.status_code == 201, r.json()
    assert r.json()["size_bytes"] == len(data) and r.json()["sha256"] == _sha(data)
    ckpt = Checkpoint.objects.get(job_id=running.started.job_id)
    assert (ckpt.step, ckpt.attempt, ckpt.metrics) == (50, 1, {"train_loss": 1.5})
    with ckpt.file.open("rb") as f:
        assert f.read() == data
    event = Event.objects.get(job_id=running.started.job_id, type="checkpoint")
    assert event.message.startswith("Checkpoint saved at step 50")
    assert event.payload["sha256"] == _sha(data)
    assert b"".join(running.get(r.json()["url"]).streaming_content) == data


def test_checkpoint_with_a_wrong_sha256_is_400_and_not_stored(running: WorkerClient) -> None:
    r = _upload_checkpoint(running, 50, b"corrupted", sha="0" * 64)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "checksum_mismatch"
    assert "sha256" in r.json()["error"]["fields"]
    assert not Checkpoint.objects.exists()


def test_checkpoint_at_the_same_step_replaces_the_old_row_and_file(
    running: WorkerClient, django_capture_on_commit_callbacks: Any
) -> None:
    _upload_checkpoint(running, 50, b"first")
    old_name = Checkpoint.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        _upload_checkpoint(running, 50, b"second")
    ckpt = Checkpoint.objects.get()
    with ckpt.file.open("rb") as f:
        assert f.read() == b"second"
    assert ckpt.file.name != old_name
    assert not ckpt.file.storage.exists(old_name)


def test_upload_over_the_artifact_limit_is_413(running: WorkerClient, settings: object) -> None:
    settings.LORA_MAX_ARTIFACT_BYTES = 1024  # type: ignore[attr-defined]
    r = _upload_checkpoint(running, 10, b"x" * 5000)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert not Checkpoint.objects.exists()


def test_complete_stores_the_adapter_and_ends_the_attempt(running: WorkerClient) -> None:
    running.write("stage", {"stage": "finalization", "state": "active"})
    archive = b"adapter-archive-bytes"
    result = {"step": 90, "initial_val_loss": 3.2, "final_val_loss": 2.1, "tokens_per_second": 5e3}
    r = running.write(
        "complete",
        {
            "adapter": SimpleUploadedFile("adapter.tar.gz", archive),
            "adapter_sha256": _sha(archive),
            "result": json.dumps(result),
            "final_metrics": json.dumps({"val_loss": 2.1}),
        },
        format="multipart",
    )
    assert r.status_code == 200, r.json()
    assert r.json() == {"status": "completed", "adapter_sha256": _sha(archive)}
    job = Job.objects.get(pk=running.started.job_id)
    assert job.status == JobStatus.COMPLETED and job.finished_at is not None
    with job.adapter_file.open("rb") as f:
        assert f.read() == archive
    assert job.adapter_size_bytes == len(archive)
    assert job.result["final_val_loss"] == 2.1 and job.result["final_metrics"] == {"val_loss": 2.1}
    assert job.measured_tokens_per_second == 5e3
    assert job.current_step == 90
    assert StageRun.objects.get(job=job, stage="finalization").state == "completed"
    assert Attempt.objects.get(job=job).end_reason == "completed"
    assert Event.objects.filter(job=job, message__contains="3.2000 → 2.1000").exists()
    assert running.write("heartbeat").status_code == 401


def test_complete_without_an_adapter_is_400(running: WorkerClient) -> None:
    r = running.write("complete", {"result": "{}"}, format="multipart")
    assert r.status_code == 400
    assert "adapter" in r.json()["error"]["fields"]
    assert Job.objects.get(pk=running.started.job_id).status == JobStatus.RUNNING


def test_complete_with_a_bad_adapter_sha_is_400(running: WorkerClient) -> None:
    r = running.write(
        "complete",
        {"adapter": SimpleUploadedFile("a.tar.gz", b"abc"), "adapter_sha256": "f" * 64},
        format="multipart",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "checksum_mismatch"
    assert not Job.objects.get(pk=running.started.job_id).adapter_file


def test_cancelled_worker_stops_early_and_keeps_its_reports(
    running: WorkerClient, owner: object
) -> None:
    running.write("metrics", {"points": [{"step": 5, "train_loss": 2.0}]})
    _upload_checkpoint(running, 5, b"ckpt")
    job_cancel(job_id=running.started.job_id, user=owner, reason="testing")
    r = running.write(
        "complete", {"stopped": "cancel", "result": '{"step": 5}'}, format="multipart"
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    job = Job.objects.get(pk=running.started.job_id)
    assert job.status == JobStatus.CANCELLED
    assert MetricPoint.objects.filter(job=job).count() == 1
    assert Checkpoint.objects.filter(job=job).count() == 1


def test_stopping_early_without_a_cancel_request_is_409(running: WorkerClient) -> None:
    r = running.write("complete", {"stopped": "cancel"}, format="multipart")
    assert r.status_code == 409
    assert Job.objects.get(pk=running.started.job_id).status == JobStatus.RUNNING


def test_fail_records_category_step_stage_and_last_events(running: WorkerClient) -> None:
    running.write("stage", {"stage": "training", "state": "active"})
    r = running.write(
        "fail",
        {
            "category": "nan_loss",
            "message": "loss became NaN/inf at step 37; lower learning_rate",
            "step": 37,
            "stage": "training",
            "events": [{"seq": 9, "type": "warning", "message": "Loss spike at step 36"}],
        },
    )
    assert r.status_code == 200
    assert r.json() == {"status": "failed", "error_category": "nan_loss"}
    job = Job.objects.get(pk=running.started.job_id)
    assert (job.status, job.error_category, job.error_step) == ("failed", "nan_loss", 37)
    assert "step 37" in job.error_message
    assert StageRun.objects.get(job=job, stage="training").state == "failed"
    types = list(Event.objects.filter(job=job).order_by("seq").values_list("type", flat=True))
    assert types[-2:] == ["warning", "error"]
    assert Event.objects.get(job=job, type="error").message.startswith("Loss became NaN at step 37")


def test_fail_rejects_unknown_categories(running: WorkerClient) -> None:
    r = running.write("fail", {"category": "worker_lost", "message": "x"})
    assert r.status_code == 400
    assert "category" in r.json()["error"]["fields"]
