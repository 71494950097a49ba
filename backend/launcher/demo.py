"""First-start content of `make run`: a sign-in and a handful of real demo jobs.

Everything goes through the same services the API uses (dataset_create, job_create), so the jobs
are queued, dispatched and trained by the real scheduler and workers; nothing is a fake row.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from backend.accounts.models import User
from backend.datasets.models import Dataset
from backend.datasets.services import dataset_create
from backend.jobs.models import CPU_SLUG, GpuType, Job
from backend.jobs.services import job_create

SAMPLES = Path(__file__).resolve().parents[1] / "datasets" / "samples"
DEMO_USERNAME = "admin"
SAMPLE_DATASET_NAME = "Sample: support conversations"
OVERLONG_DATASET_NAME = "Sample: pasted training logs (overlong)"
DEMO_MODEL = "tiny-random-llama"
DEMO_TAG = {"source": "make-run-demo"}


@dataclass(frozen=True)
class DemoJob:
    name: str
    dataset: str  # "sample" or "overlong"
    preset: str
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    pricing: str = "spot"


# Submitted in this order (the queue is FIFO; `make run` starts one worker per CPU core, at most
# the limit of 3). The quick check completes first and is the estimator's first measured run of
# this model on the CPU type: every job launched after it is priced from it and the runs that
# finish after it (`Estimate updated from N similar run(s)`), so the demo shows estimates
# learned from real runs, not guessed. The overlong one fails in preprocessing. All train with
# the same evaluation, logging and checkpoint cadence (it is part of what a step costs), and
# are short enough that the whole demo ends within a few minutes on a laptop's CPU
# (tests/e2e/test_make_run.py checks every later job against its band).
_CADENCE = {"eval_every": 5, "log_every": 1, "checkpoint_every": 25}
DEMO_JOBS: tuple[DemoJob, ...] = (
    DemoJob("support-bot quick check", "sample", "balanced", {"epochs": 1, **_CADENCE}),
    DemoJob("support-bot pasted logs", "overlong", "balanced", {"epochs": 1, **_CADENCE}),
    DemoJob("support-bot balanced r16", "sample", "balanced", {"epochs": 2, **_CADENCE}),
    DemoJob("support-bot aggressive r32", "sample", "aggressive", {"epochs": 2, **_CADENCE}),
    DemoJob(
        "support-bot conservative r8", "sample", "conservative", {"epochs": 1, **_CADENCE},
        pricing="on_demand",
    ),
    DemoJob("support-bot rank sweep r64", "sample", "custom", {"epochs": 1, "lora_r": 64,
                                                                "lora_alpha": 128, **_CADENCE}),
    DemoJob("support-bot lr sweep 1e-4", "sample", "custom", {"epochs": 1,
                                                              "learning_rate": 1e-4, **_CADENCE}),
)  # fmt: skip


def ensure_sign_in() -> tuple[User, str | None]:
    """The demo's manager account. Returns the password only when it was created just now:
    it is random and printed once, never a fixed default."""
    existing = User.objects.filter(username=DEMO_USERNAME).first()
    if existing is not None:
        return existing, None
    password = secrets.token_urlsafe(12)
    user = User.objects.create_superuser(
        username=DEMO_USERNAME,
        email="",
        password=password,
        first_name="Demo",
        last_name="Admin",
        role=User.Role.MANAGER,
    )
    return user, password


def _upload(user: User, name: str, filename: str) -> Dataset:
    path = SAMPLES / filename
    with open(path, "rb") as fh:
        # What the upload view hands the service, minus the HTTP request.
        upload = UploadedFile(
            fh, name=filename, content_type="application/jsonl", size=path.stat().st_size
        )
        return dataset_create(uploaded_by=user, name=name, file=upload)


def _gpu() -> GpuType:
    # `make run`'s workers train on the CPU and serve the `cpu` pool: priced and run as such.
    gpu = GpuType.objects.filter(is_active=True, slug=CPU_SLUG).first()
    gpu = gpu or GpuType.objects.filter(is_active=True).first()
    if gpu is None:
        raise RuntimeError("The GPU catalog is empty; run migrations first.")
    return gpu


def seed_demo_jobs(user: User) -> list[Job]:
    """Upload the sample datasets and submit the demo jobs, once per database.

    The marker is the sample dataset itself, so deleting demo jobs later never brings them
    back, and a database shared with a real deployment is not seeded twice.
    """
    with transaction.atomic():
        if Dataset.objects.filter(name=SAMPLE_DATASET_NAME).exists():
            return []
        datasets = {
            "sample": _upload(user, SAMPLE_DATASET_NAME, "support_chats.jsonl"),
            "overlong": _upload(user, OVERLONG_DATASET_NAME, "overlong_prompts.jsonl"),
        }
    gpu = _gpu()
    jobs = []
    # One transaction per job, like API requests: each commit tells the scheduler at once.
    for spec in DEMO_JOBS:
        jobs.append(
            job_create(
                created_by=user,
                name=spec.name,
                dataset=datasets[spec.dataset],
                base_model=DEMO_MODEL,
                preset=spec.preset,
                hyperparameters=spec.hyperparameters,
                gpu_type=gpu,
                pricing=spec.pricing,
                metadata=dict(DEMO_TAG),
            )
        )
    return jobs
