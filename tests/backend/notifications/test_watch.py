""" "Notify me when this job ends": the toggle per user and job, the outcome list the SPA polls
while it is open, acknowledging, and who may use it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from backend.jobs.models import JobStatus
from backend.jobs.transitions import lock_job, transition
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def _move(job: Any, to: str) -> None:
    with transaction.atomic():
        locked = lock_job(job.pk)
        locked.save(update_fields=transition(locked, to))


def test_watchers_get_the_outcome_once_and_others_do_not(
    owner: Any,
    owner_client: APIClient,
    teammate_client: APIClient,
    manager_client: APIClient,
    anon_client: APIClient,
    outsider_client: APIClient,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = JobFactory(created_by=owner, status=JobStatus.RUNNING, name="llama r16")
    url = f"/api/training/jobs/{job.pk}/watch"
    assert owner_client.get(url).json() == {"watching": False}
    # The owner and a teammate watch it; the manager does not.
    for client in (owner_client, teammate_client):
        assert client.put(url, {"watching": True}, format="json").json() == {"watching": True}
        assert client.put(url, {"watching": True}, format="json").status_code == 200
    assert owner_client.get(url).json() == {"watching": True}
    assert manager_client.get(url).json() == {"watching": False}
    assert anon_client.put(url, {"watching": True}, format="json").status_code in (401, 403)
    assert outsider_client.put(url, {"watching": True}, format="json").status_code == 401
    assert outsider_client.get("/api/training/notifications").status_code == 401
    pending = owner_client.get("/api/training/notifications").json()
    assert pending == {"results": [], "watching": [str(job.pk)]}

    with django_capture_on_commit_callbacks(execute=True):
        _move(job, JobStatus.COMPLETED)
    got = owner_client.get("/api/training/notifications").json()
    assert [(n["job_id"], n["job_name"], n["status"]) for n in got["results"]] == [
        (str(job.pk), "llama r16", "completed")
    ]
    assert got["watching"] == []
    assert manager_client.get("/api/training/notifications").json()["results"] == []
    # The owner's browser showed it: gone for the owner, still there for the teammate.
    ack = owner_client.post(
        "/api/training/notifications/ack", {"job_ids": [str(job.pk)]}, format="json"
    )
    assert ack.json() == {"acknowledged": 1}
    assert owner_client.get("/api/training/notifications").json()["results"] == []
    assert len(teammate_client.get("/api/training/notifications").json()["results"]) == 1
    assert anon_client.get("/api/training/notifications").status_code in (401, 403)
    for body in ({"job_ids": []}, {"job_ids": [False]}, {"job_ids": [1]}):
        bad = owner_client.post("/api/training/notifications/ack", body, format="json")
        assert bad.status_code == 400, body
    for watching in (0, "true", None):
        bad = owner_client.put(url, {"watching": watching}, format="json")
        assert bad.status_code == 400, watching


def test_turning_it_off_and_a_pause_counts_as_an_outcome(
    owner_client: APIClient, teammate_client: APIClient, django_capture_on_commit_callbacks: Any
) -> None:
    job = JobFactory(status=JobStatus.RUNNING)
    other = JobFactory(status=JobStatus.RUNNING)
    url = f"/api/training/jobs/{job.pk}/watch"
    owner_client.put(url, {"watching": True}, format="json")
    teammate_client.put(url, {"watching": True}, format="json")
    assert teammate_client.put(url, {"watching": False}, format="json").json() == {
        "watching": False
    }
    owner_client.put(f"/api/training/jobs/{other.pk}/watch", {"watching": True}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        _move(job, JobStatus.PAUSED)
    results = owner_client.get("/api/training/notifications").json()["results"]
    assert [(r["job_id"], r["status"]) for r in results] == [(str(job.pk), "paused")]
    assert teammate_client.get("/api/training/notifications").json()["results"] == []
    missing = "/api/training/jobs/00000000-0000-0000-0000-000000000000/watch"
    assert owner_client.put(missing, {"watching": True}, format="json").status_code == 404
