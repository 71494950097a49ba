"""Seed the fuzzing server's database (run with DJANGO_SETTINGS_MODULE and DATABASE_URL set):
a user with a personal API token, a GPU type, a valid dataset, a finished job and a job with a
started attempt whose worker token the worker API run uses. Prints the ids and tokens as JSON."""

from __future__ import annotations

import hashlib
import json

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402

from backend.accounts.models import User  # noqa: E402
from backend.accounts.services import api_token_create  # noqa: E402
from backend.jobs.models import Checkpoint, JobStatus  # noqa: E402
from backend.scheduling.models import SchedulerSettings  # noqa: E402
from tests.attempts import attempt_start  # noqa: E402
from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory, UserFactory  # noqa: E402


def main() -> None:
    # No dispatching: jobs the fuzzer creates stay queued, no task reaches a broker.
    scheduler = SchedulerSettings.load()
    scheduler.concurrency_limit = 0
    scheduler.save()
    # A manager: the queue actions (promote, remove) are reachable too.
    user = UserFactory(username="fuzzer", email="fuzzer@example.com", role=User.Role.MANAGER)
    _, key = api_token_create(user=user, name="schemathesis")
    GpuTypeFactory()
    dataset = DatasetFactory(uploaded_by=user)
    JobFactory(created_by=user, dataset=dataset, status=JobStatus.COMPLETED)
    job = JobFactory(created_by=user, dataset=dataset, total_steps=0)
    started = attempt_start(job)
    Checkpoint.objects.create(
        job=job,
        attempt=started.attempt,
        step=1,
        file=ContentFile(b"weights", name="step-1.pt"),
        size_bytes=7,
        sha256=hashlib.sha256(b"weights").hexdigest(),
    )
    ending = attempt_start(JobFactory(created_by=user, dataset=dataset, total_steps=0))
    print(
        json.dumps(
            {
                "user_token": key,
                "worker_token": started.token,
                "job_id": started.job_id,
                "end_token": ending.token,
                "end_job_id": ending.job_id,
                "attempt": started.attempt,
                "fence": started.fence,
                "dataset_id": str(dataset.pk),
                # What a worker host registers with (the fleet endpoint).
                "worker_secret": settings.LORA_WORKER_SECRET,
            }
        )
    )


if __name__ == "__main__":
    main()
