"""What a worker says about itself (device, software, type) and its registration against the
real API (live server), including a claim refused for a job of another pool."""

from __future__ import annotations

import os
from typing import Any

import pytest

from backend.scheduling.models import Worker
from tests.attempts import attempt_start
from tests.factories import GpuTypeFactory, JobFactory
from worker import device
from worker.api_client import ApiClient, ApiError, FleetClient, StaleAttempt


def test_a_host_without_a_gpu_is_a_cpu_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(device, "_nvml_gpus", lambda: None)
    monkeypatch.delenv("LORA_GPU_TYPE", raising=False)
    found = device.discover_device()
    assert found["kind"] == "cpu" and found["count"] == (os.cpu_count() or 1)
    assert found["name"]
    assert found["memory_gb"] is None or found["memory_gb"] > 0
    assert device.worker_gpu_type(found) == "cpu"
    versions = device.software_versions()
    assert versions["python"] and "torch" in versions and "celery" in versions


def test_a_gpu_host_reports_nvml_figures_and_must_declare_its_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gpus = [{"name": "NVIDIA L40S", "memory_gb": 44.5}, {"name": "NVIDIA L40S", "memory_gb": 44.5}]
    monkeypatch.setattr(device, "_nvml_gpus", lambda: gpus)
    monkeypatch.delenv("LORA_GPU_TYPE", raising=False)
    found = device.discover_device()
    assert found == {"kind": "gpu", "name": "NVIDIA L40S", "count": 2, "memory_gb": 44.5}
    with pytest.raises(device.DeviceConfigError, match="LORA_GPU_TYPE"):
        device.worker_gpu_type(found)
    monkeypatch.setenv("LORA_GPU_TYPE", "l40s-48gb")
    assert device.worker_gpu_type(found) == "l40s-48gb"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_prefix", "sent_tasks")
def test_a_worker_registers_and_a_claim_from_another_pool_is_refused(
    live_server: Any, settings: Any
) -> None:
    settings.LORA_API_URL = live_server.url
    GpuTypeFactory(slug="cpu", name="CPU", bf16_tflops=0.0)
    body = {
        "name": "box-1-abc",
        "gpu_type": "cpu",
        "host": "box",
        "device": device.discover_device(),
        "software": device.software_versions(),
    }
    with pytest.raises(ApiError) as wrong:
        FleetClient(api_url=live_server.url, secret="nope").heartbeat(body)
    assert wrong.value.status == 401
    reply = FleetClient(api_url=live_server.url, secret=settings.LORA_WORKER_SECRET).heartbeat(body)
    assert reply["queue"] == "training.cpu"
    row = Worker.objects.get(name="box-1-abc")
    assert row.gpu_type.slug == "cpu" and row.device == body["device"]
    assert row.software["python"] == body["software"]["python"]

    # An H100 job's message reaching this CPU worker: its claim is refused, the job untouched.
    job = JobFactory()
    started = attempt_start(job)
    client = ApiClient(
        api_url=live_server.url,
        job_id=started.job_id,
        token=started.token,
        attempt=started.attempt,
        retry_budget=5.0,
    )
    with pytest.raises(StaleAttempt) as refused:
        client.claim(worker_host="box", worker="box-1-abc", gpu_type="cpu")
    assert refused.value.code == "wrong_pool"
    job.refresh_from_db()
    assert job.status == "provisioning"
