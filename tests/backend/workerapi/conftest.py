"""Fixtures of the worker API tests: a job with a started attempt and a token-bearing client."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.jobs.models import Job
from tests.attempts import Started, attempt_start
from tests.factories import JobFactory


class WorkerClient(APIClient):
    """An API client that speaks for one attempt: bearer token + attempt/fence on writes."""

    def __init__(self, started: Started, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.started = started
        self.credentials(**started.auth())

    def url(self, name: str) -> str:
        return f"/api/worker/jobs/{self.started.job_id}/{name}"

    def write(self, name: str, body: dict[str, Any] | None = None, **kw: Any) -> Any:
        data = {"attempt": self.started.attempt, "fence": self.started.fence, **(body or {})}
        return self.post(self.url(name), data, format=kw.pop("format", "json"), **kw)

    def claim(self, host: str = "gpu-host-1") -> Any:
        return self.post(
            self.url("claim"), {"attempt": self.started.attempt, "worker_host": host}, format="json"
        )


@pytest.fixture
def job(db: None) -> Job:
    return JobFactory(total_steps=0)


@pytest.fixture
def started(job: Job) -> Started:
    return attempt_start(job)


@pytest.fixture
def worker(started: Started) -> WorkerClient:
    return WorkerClient(started)


@pytest.fixture
def running(worker: WorkerClient) -> WorkerClient:
    """A worker whose attempt is claimed (the job is running)."""
    response = worker.claim()
    assert response.status_code == 200, response.json()
    return worker
