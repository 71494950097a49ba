"""The production compose file is valid, refuses to start without its secrets, and runs one
Celery worker per GPU with an NVIDIA reservation, serving the pool of the GPU type it declares."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(
    COMPOSE is None,
    reason="Debian's docker-compose is not installed (apt-get install docker-compose)",
)


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    return subprocess.run(
        [COMPOSE, "-f", str(ROOT / "docker-compose.yml"), "config"],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_validates_with_its_secrets_set() -> None:
    done = _config(
        {
            "POSTGRES_PASSWORD": "pw",
            "DJANGO_SECRET_KEY": "a-real-secret",
            "LORA_WORKER_SECRET": "worker-secret",
            "LORA_GPU_TYPE": "l40s-48gb",
        }
    )
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    assert {"postgres", "redis", "web", "scheduler"} <= set(services)
    worker = services["worker-gpu0"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert worker["environment"]["WORKER_NAME"] == "gpu0"
    # The worker declares its type and registers with the shared secret, as the API does.
    assert worker["environment"]["LORA_GPU_TYPE"] == "l40s-48gb"
    assert worker["environment"]["LORA_WORKER_SECRET"] == "worker-secret"
    assert services["web"]["environment"]["LORA_WORKER_SECRET"] == "worker-secret"
    # One Celery process per GPU, consuming only its pool's queue (chosen from LORA_GPU_TYPE by
    # worker/celery_app.py, so the image names no queue of its own).
    dockerfile = (ROOT / "backend/deploy/Dockerfile").read_text()
    assert "worker.celery_app worker --concurrency 1" in dockerfile
    assert "--queues" not in dockerfile
    assert "ENV DJANGO_SETTINGS_MODULE=backend.config.settings.production" in dockerfile


def test_compose_refuses_to_run_without_secrets() -> None:
    done = _config({})
    assert done.returncode != 0
    assert "POSTGRES_PASSWORD" in done.stderr


def test_a_gpu_worker_must_declare_its_type() -> None:
    done = _config(
        {
            "POSTGRES_PASSWORD": "pw",
            "DJANGO_SECRET_KEY": "a-real-secret",
            "LORA_WORKER_SECRET": "worker-secret",
        }
    )
    assert done.returncode != 0
    assert "LORA_GPU_TYPE" in done.stderr
