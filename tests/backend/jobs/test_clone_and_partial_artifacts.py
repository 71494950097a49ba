"""Duplicating a job (the clone template and `cloned_from`), and what a stopped job leaves:
its checkpoints and the adapter inside each, for every persona of the permission matrix."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import torch
from django.core.files.base import ContentFile
from safetensors.torch import load as load_safetensors

from backend.jobs.models import Checkpoint, Job, JobStatus
from backend.jobs.policies import can_view
from backend.telemetry.models import Event
from tests.backend.jobs.conftest import PERSONAS
from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory
from worker.contract.hyperparameters import resolve_hyperparameters
from worker.training.checkpoints import save_checkpoint
from worker.training.config import TrainingConfig

pytestmark = pytest.mark.django_db
URL = "/api/training/jobs"
# Signed-in team members see every job; the others are refused by authentication itself.
SEES = {"creator": True, "teammate": True, "manager": True, "outsider": False, "anonymous": False}


@pytest.fixture
def failed_job(owner: Any, h100: Any) -> Job:
    custom = resolve_hyperparameters("custom", {"learning_rate": 3e-4, "lora_r": 32})
    return JobFactory(
        created_by=owner,
        name="Support bot v3",
        status=JobStatus.FAILED,
        error_category="nan_loss",
        preset="custom",
        hyperparameters=custom,
        base_model="smollm2-135m-instruct",
        pricing="on_demand",
        gpu_type=h100,
        metadata={"ticket": "ML-7"},
        validation_dataset=DatasetFactory(),
        anomaly_pause=False,
    )


# --- clone ----------------------------------------------------------------------------------


def test_clone_template_reproduces_the_job(owner_client: Any, failed_job: Job) -> None:
    response = owner_client.get(f"{URL}/{failed_job.pk}/clone")
    assert response.status_code == 200
    assert response.json() == {
        "cloned_from": str(failed_job.pk),
        "source_name": "Support bot v3",
        "name": "Support bot v3 (copy)",
        "dataset_id": str(failed_job.dataset_id),
        "validation_dataset_id": str(failed_job.validation_dataset_id),
        "base_model": "smollm2-135m-instruct",
        "preset": "custom",
        "hyperparameters": failed_job.hyperparameters,
        "gpu_type": "h100-80gb",
        "pricing": "on_demand",
        "metadata": {"ticket": "ML-7"},
        "anomaly_pause": False,
        "warnings": [],
    }


def test_posting_the_template_creates_an_identical_job_that_records_its_source(
    teammate: Any, teammate_client: Any, failed_job: Job
) -> None:
    template = teammate_client.get(f"{URL}/{failed_job.pk}/clone").json()
    response = teammate_client.post(URL, template, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    clone = Job.objects.get(pk=body["id"])
    assert clone.created_by == teammate and clone.status == JobStatus.QUEUED
    assert clone.cloned_from_id == failed_job.pk
    assert clone.hyperparameters == failed_job.hyperparameters
    assert (clone.dataset_id, clone.validation_dataset_id) == (
        failed_job.dataset_id,
        failed_job.validation_dataset_id,
    )
    assert (clone.base_model, clone.gpu_type_id, clone.pricing, clone.metadata) == (
        failed_job.base_model,
        failed_job.gpu_type_id,
        failed_job.pricing,
        failed_job.metadata,
    )
    assert clone.anomaly_pause is False
    assert body["cloned_from"] == {"id": str(failed_job.pk), "name": "Support bot v3"}
    queued = Event.objects.get(job=clone, seq=1)
    assert queued.message == "Job queued by Tariq Teammate (cloned from Support bot v3)"
    assert queued.payload["cloned_from"] == str(failed_job.pk)
    # The source is untouched, and a job that is not a clone says so.
    failed_job.refresh_from_db()
    assert failed_job.status == JobStatus.FAILED
    assert owner_detail(teammate_client, failed_job)["cloned_from"] is None


def owner_detail(client: Any, job: Job) -> dict[str, Any]:
    return client.get(f"{URL}/{job.pk}").json()


def test_a_preset_job_keeps_its_preset_and_warnings_name_what_is_gone(
    owner_client: Any, owner: Any
) -> None:
    gone = GpuTypeFactory(slug="a10-24gb", name="A10", is_active=False)
    job = JobFactory(created_by=owner, status=JobStatus.CANCELLED, gpu_type=gone, dataset=None)
    body = owner_client.get(f"{URL}/{job.pk}/clone").json()
    assert body["preset"] == "balanced"
    assert body["hyperparameters"] == resolve_hyperparameters("balanced", None)
    assert (body["dataset_id"], body["gpu_type"]) == (None, None)
    assert body["warnings"] == [
        "The job's dataset was deleted: choose another one.",
        "The GPU type A10 is no longer offered: choose another.",
    ]


def test_a_preset_whose_values_changed_since_becomes_custom(owner_client: Any, owner: Any) -> None:
    old = {**resolve_hyperparameters("balanced", None), "learning_rate": 1.5e-4}
    job = JobFactory(created_by=owner, status=JobStatus.COMPLETED, hyperparameters=old)
    body = owner_client.get(f"{URL}/{job.pk}/clone").json()
    assert body["preset"] == "custom" and body["hyperparameters"]["learning_rate"] == 1.5e-4
    assert body["warnings"][0].startswith("The Balanced preset has changed")


def test_cloned_from_must_be_a_job(owner_client: Any, failed_job: Job) -> None:
    template = owner_client.get(f"{URL}/{failed_job.pk}/clone").json()
    del template["warnings"]
    missing = "00000000-0000-0000-0000-000000000000"
    response = owner_client.post(URL, {**template, "cloned_from": missing}, format="json")
    assert response.status_code == 400
    assert "cloned_from" in response.json()["error"]["fields"]
    assert Job.objects.count() == 1


def test_deleting_the_source_leaves_the_clone(owner_client: Any, failed_job: Job) -> None:
    template = owner_client.get(f"{URL}/{failed_job.pk}/clone").json()
    del template["warnings"]
    clone_id = owner_client.post(URL, template, format="json").json()["id"]
    assert owner_client.delete(f"{URL}/{failed_job.pk}").status_code == 204
    assert owner_client.get(f"{URL}/{clone_id}").json()["cloned_from"] is None


@pytest.mark.parametrize("persona", PERSONAS)
def test_clone_permission_matrix(persona: str, persona_client: Any, failed_job: Job) -> None:
    client = persona_client(persona)
    template = client.get(f"{URL}/{failed_job.pk}/clone")
    body = {
        "name": "again",
        "dataset_id": str(failed_job.dataset_id),
        "base_model": "tiny-random-llama",
        "gpu_type": "h100-80gb",
        "cloned_from": str(failed_job.pk),
    }
    created = client.post(URL, body, format="json")
    if SEES[persona]:
        assert template.status_code == 200
        assert created.status_code == 201, created.json()
        assert Job.objects.get(pk=created.json()["id"]).cloned_from_id == failed_job.pk
    else:
        assert (template.status_code, created.status_code) == (401, 401)
        assert template.json()["error"]["code"] in ("not_authenticated", "authentication_failed")
        assert Job.objects.count() == 1


def test_a_user_who_may_not_see_the_source_cannot_clone_it(
    outsider: Any, owner: Any, failed_job: Job
) -> None:
    """Below authentication: the policy itself, for a deactivated account that still holds a
    session (force_authenticate skips the active check the real authenticators make)."""
    from rest_framework.test import APIClient

    assert can_view(owner, failed_job) and not can_view(outsider, failed_job)
    client = APIClient()
    client.force_authenticate(outsider)
    assert client.get(f"{URL}/{failed_job.pk}/clone").status_code == 403
    body = {
        "name": "sneaky",
        "dataset_id": str(failed_job.dataset_id),
        "base_model": "tiny-random-llama",
        "gpu_type": "h100-80gb",
        "cloned_from": str(failed_job.pk),
    }
    response = client.post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["cloned_from"]
    assert client.get(f"{URL}/{failed_job.pk}/checkpoints").status_code == 403
    assert Job.objects.count() == 1


# --- partial artifacts -------------------------------------------------------------------------

LORA_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"
LORA_B = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"


def add_checkpoint(job: Job, step: int, tmp_path: Path, val_loss: float) -> Checkpoint:
    """A real checkpoint file as the worker writes it (worker.training.checkpoints)."""
    config = TrainingConfig(base_model=job.base_model, lora_r=4, lora_alpha=8)
    generator = torch.Generator().manual_seed(step)
    state = {
        "step": step,
        "adapter": {
            LORA_A: torch.randn(4, 16, generator=generator),
            LORA_B: torch.randn(16, 4, generator=generator),
        },
        "config": config.to_dict(),
        "metrics": {"train_loss": val_loss + 0.1, "val_loss": val_loss},
    }
    path = tmp_path / f"step-{step}.pt"
    digest = save_checkpoint(path, state)
    checkpoint = Checkpoint(
        job=job,
        attempt=1,
        step=step,
        size_bytes=path.stat().st_size,
        sha256=digest,
        metrics=state["metrics"],
    )
    checkpoint.file.save("x.pt", ContentFile(path.read_bytes()))
    return checkpoint


@pytest.fixture
def cancelled_with_checkpoints(owner: Any, tmp_path: Path) -> tuple[Job, list[Checkpoint]]:
    job = JobFactory(created_by=owner, name="Legal QA", status=JobStatus.CANCELLED)
    return job, [add_checkpoint(job, step, tmp_path, 2.0 - step / 100) for step in (20, 40)]


def test_a_cancelled_job_lists_its_checkpoints_with_step_and_metrics(
    owner_client: Any, cancelled_with_checkpoints: Any
) -> None:
    job, checkpoints = cancelled_with_checkpoints
    rows = owner_client.get(f"{URL}/{job.pk}/checkpoints").json()
    assert [(r["step"], r["metrics"]["val_loss"]) for r in rows] == [(20, 1.8), (40, 1.6)]
    assert rows[1]["download_url"] == f"{URL}/{job.pk}/checkpoints/{checkpoints[1].pk}/download"
    assert rows[1]["adapter_download_url"] == (
        f"{URL}/{job.pk}/checkpoints/{checkpoints[1].pk}/adapter"
    )
    assert owner_client.get(f"{URL}/{job.pk}").json()["checkpoint_count"] == 2


def test_the_adapter_inside_a_checkpoint_downloads_as_a_peft_archive(
    owner_client: Any, cancelled_with_checkpoints: Any, tmp_path: Path
) -> None:
    job, checkpoints = cancelled_with_checkpoints
    latest = checkpoints[1]
    response = owner_client.get(f"{URL}/{job.pk}/checkpoints/{latest.pk}/adapter")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert 'filename="Legal QA-step-40-adapter.tar.gz"' in response["Content-Disposition"]
    blob = b"".join(response.streaming_content)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        names = sorted(tar.getnames())
        config = json.loads(tar.extractfile("adapter/adapter_config.json").read())  # type: ignore[union-attr]
        weights = tar.extractfile("adapter/adapter_model.safetensors").read()  # type: ignore[union-attr]
    assert names == ["adapter", "adapter/adapter_config.json", "adapter/adapter_model.safetensors"]
    assert (config["peft_type"], config["r"], config["lora_alpha"]) == ("LORA", 4, 8)
    assert config["base_model_name_or_path"] == "tiny-random-llama"
    assert config["inference_mode"] is True
    tensors = load_safetensors(weights)
    stored = torch.load(latest.file.path, weights_only=True)["adapter"]
    assert set(tensors) == {LORA_A, LORA_B}
    assert all(torch.equal(tensors[k], stored[k]) for k in tensors)


def test_a_damaged_checkpoint_is_a_conflict_not_an_adapter(
    owner_client: Any, cancelled_with_checkpoints: Any
) -> None:
    job, checkpoints = cancelled_with_checkpoints
    checkpoints[0].sha256 = hashlib.sha256(b"something else").hexdigest()
    checkpoints[0].save()
    response = owner_client.get(f"{URL}/{job.pk}/checkpoints/{checkpoints[0].pk}/adapter")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "checkpoint_unreadable"


def test_another_jobs_checkpoint_is_not_found(
    owner_client: Any, owner: Any, cancelled_with_checkpoints: Any
) -> None:
    _, checkpoints = cancelled_with_checkpoints
    other = JobFactory(created_by=owner, status=JobStatus.FAILED)
    for tail in ("download", "adapter"):
        url = f"{URL}/{other.pk}/checkpoints/{checkpoints[0].pk}/{tail}"
        assert owner_client.get(url).status_code == 404


@pytest.mark.parametrize("status", ["cancelled", "failed", "paused"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_partial_artifacts_permission_matrix(
    persona: str, status: str, persona_client: Any, owner: Any, tmp_path: Path
) -> None:
    job = JobFactory(created_by=owner, status=status)
    checkpoint = add_checkpoint(job, 10, tmp_path, 1.5)
    client = persona_client(persona)
    listing = client.get(f"{URL}/{job.pk}/checkpoints")
    download = client.get(f"{URL}/{job.pk}/checkpoints/{checkpoint.pk}/download")
    adapter = client.get(f"{URL}/{job.pk}/checkpoints/{checkpoint.pk}/adapter")
    if SEES[persona]:
        assert [r["step"] for r in listing.json()] == [10]
        with checkpoint.file.open("rb") as fh:
            assert b"".join(download.streaming_content) == fh.read()
        assert download["X-Content-SHA256"] == checkpoint.sha256
        assert adapter.status_code == 200
        with tarfile.open(fileobj=io.BytesIO(b"".join(adapter.streaming_content))) as tar:
            assert "adapter/adapter_model.safetensors" in tar.getnames()
    else:
        assert (listing.status_code, download.status_code, adapter.status_code) == (401,) * 3
