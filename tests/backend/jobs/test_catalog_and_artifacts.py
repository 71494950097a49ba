"""Catalog endpoints, checkpoint/adapter downloads, and body-size limits."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.base import ContentFile

from backend.jobs.models import Checkpoint, JobStatus
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_gpu_types_come_from_the_catalog(owner_client: Any) -> None:
    rows = owner_client.get("/api/training/gpu-types").json()
    h100 = next(r for r in rows if r["slug"] == "h100-80gb")
    assert h100 == {
        "slug": "h100-80gb",
        "name": "H100",
        "memory_gb": 80,
        "spot_hourly_rate": 2.49,
        "on_demand_hourly_rate": 4.49,
    }


def test_presets_resolve_to_full_hyperparameters(owner_client: Any) -> None:
    presets = {p["key"]: p for p in owner_client.get("/api/training/presets").json()}
    assert set(presets) == {"conservative", "balanced", "aggressive", "custom"}
    assert presets["conservative"]["hyperparameters"]["learning_rate"] == 1e-4
    assert presets["aggressive"]["hyperparameters"]["lora_r"] == 32
    assert presets["balanced"]["label"] == "Balanced"


def test_base_models_list_the_offline_presets(owner_client: Any) -> None:
    keys = [m["key"] for m in owner_client.get("/api/training/base-models").json()]
    assert keys[:2] == ["tiny-random-llama", "smollm2-135m-instruct"]


def test_catalog_needs_sign_in(anon_client: Any) -> None:
    for path in ("gpu-types", "presets", "base-models", "datasets"):
        assert anon_client.get(f"/api/training/{path}").status_code in (401, 403)


def test_checkpoints_list_and_download(owner_client: Any) -> None:
    job = JobFactory(status=JobStatus.RUNNING)
    blob = b"checkpoint bytes"
    checkpoint = Checkpoint(
        job=job,
        attempt=1,
        step=100,
        size_bytes=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        metrics={"val_loss": 1.2},
    )
    checkpoint.file.save("x.pt", ContentFile(blob))
    rows = owner_client.get(f"/api/training/jobs/{job.pk}/checkpoints").json()
    assert [(r["step"], r["metrics"]) for r in rows] == [(100, {"val_loss": 1.2})]
    download = owner_client.get(rows[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == blob
    assert download["X-Content-SHA256"] == checkpoint.sha256


def test_adapter_download_only_when_present(owner_client: Any) -> None:
    job = JobFactory(status=JobStatus.COMPLETED)
    assert owner_client.get(f"/api/training/jobs/{job.pk}/adapter").status_code == 404
    job.adapter_file.save("a.tar.gz", ContentFile(b"adapter"))
    body = owner_client.get(f"/api/training/jobs/{job.pk}").json()
    assert body["adapter"]["available"] is True
    response = owner_client.get(body["adapter"]["download_url"])
    assert b"".join(response.streaming_content) == b"adapter"


def test_oversized_json_body_is_413_in_the_error_shape(owner_client: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = owner_client.post("/api/training/jobs", {"name": "x" * 5000}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
