"""First-start content of `make run`: a random one-time password and real demo jobs, once."""

from __future__ import annotations

import pytest

from backend.accounts.models import User
from backend.datasets.models import Dataset
from backend.jobs.models import Job, JobStatus
from backend.launcher.demo import (
    DEMO_JOBS,
    DEMO_USERNAME,
    OVERLONG_DATASET_NAME,
    ensure_sign_in,
    seed_demo_jobs,
)

pytestmark = pytest.mark.django_db


def test_the_sign_in_is_created_once_with_a_random_password() -> None:
    user, password = ensure_sign_in()
    assert password and len(password) >= 16
    assert user.username == DEMO_USERNAME and user.is_manager and user.check_password(password)
    again, second = ensure_sign_in()
    assert again.pk == user.pk and second is None


def test_random_passwords_differ() -> None:
    _, first = ensure_sign_in()
    User.objects.all().delete()
    _, second = ensure_sign_in()
    assert first != second


def test_demo_jobs_are_real_queued_jobs_submitted_once() -> None:
    user, _ = ensure_sign_in()
    jobs = seed_demo_jobs(user)
    assert len(jobs) == len(DEMO_JOBS) >= 6
    assert all(j.status == JobStatus.QUEUED and j.base_model == "tiny-random-llama" for j in jobs)
    # Every dataset passed the upload check, including the one the worker will reject.
    assert Dataset.objects.count() == 2
    assert all(d.is_valid for d in Dataset.objects.all())
    assert Job.objects.filter(dataset__name=OVERLONG_DATASET_NAME).count() == 1
    assert seed_demo_jobs(user) == []
    assert Job.objects.count() == len(DEMO_JOBS)
