"""The per-attempt token rules: 401 / 404 / 409, and nothing but the token is accepted."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import api_token_create
from backend.jobs.models import Attempt, Job, JobStatus
from backend.telemetry.models import MetricPoint
from tests.attempts import attempt_lose, attempt_start
from tests.backend.workerapi.conftest import WorkerClient
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

POINT = {"points": [{"step": 1, "train_loss": 2.0}]}


def test_no_token_is_401_with_a_bearer_challenge(job: Job) -> None:
    response = APIClient().post(f"/api/worker/jobs/{job.pk}/heartbeat", {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unknown_or_malformed_token_is_401(job: Job) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert client.post(f"/api/worker/jobs/{job.pk}/heartbeat", {}).status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token abc")
    response = client.post(f"/api/worker/jobs/{job.pk}/heartbeat", {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_session_cookie_and_user_token_are_not_accepted(job: Job, owner: User) -> None:
    client = APIClient()
    client.force_login(owner)
    response = client.post(f"/api/worker/jobs/{job.pk}/heartbeat", {}, format="json")
    assert response.status_code == 401
    _, key = api_token_create(user=owner, name="script")
    user_token = APIClient()
    user_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = user_token.post(f"/api/worker/jobs/{job.pk}/heartbeat", {}, format="json")
    assert response.status_code == 401


def test_token_of_another_job_is_404(running: WorkerClient) -> None:
    other = JobFactory()
    response = running.post(f"/api/worker/jobs/{other.pk}/heartbeat", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_token_after_its_own_worker_ended_the_attempt_is_401(running: WorkerClient) -> None:
    response = running.write("fail", {"category": "internal_error", "message": "boom"})
    assert response.status_code == 200
    response = running.write("heartbeat")
    assert response.status_code == 401
    assert "ended" in response.json()["error"]["message"]


def test_lost_attempt_gets_409_stale_and_writes_nothing(running: WorkerClient) -> None:
    job_id = running.started.job_id
    attempt_lose(job_id)
    assert Attempt.objects.get(job_id=job_id, number=1).end_reason == "lost"
    response = running.write("metrics", POINT)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_attempt"
    assert not MetricPoint.objects.filter(job_id=job_id).exists()


def test_older_attempt_gets_409_once_a_newer_one_exists(running: WorkerClient) -> None:
    job_id = running.started.job_id
    attempt_lose(job_id)
    newer = WorkerClient(attempt_start(job_id))
    assert newer.claim().status_code == 200
    assert running.write("heartbeat").status_code == 409
    assert running.write("events", {"events": []}).status_code == 409
    assert newer.write("heartbeat").json()["action"] == "continue"


@pytest.mark.parametrize(
    ("attempt_delta", "fence_delta"), [(0, 1), (1, 0), (-1, 0)], ids=["fence", "attempt", "older"]
)
def test_wrong_attempt_or_fence_is_409(
    running: WorkerClient, attempt_delta: int, fence_delta: int
) -> None:
    body = {
        "attempt": running.started.attempt + attempt_delta,
        "fence": running.started.fence + fence_delta,
        **POINT,
    }
    response = running.post(running.url("metrics"), body, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_attempt"
    assert not MetricPoint.objects.exists()


def test_attempt_and_fence_may_come_as_headers(running: WorkerClient) -> None:
    response = running.post(
        running.url("metrics"),
        POINT,
        format="json",
        HTTP_X_ATTEMPT=str(running.started.attempt),
        HTTP_X_FENCE=str(running.started.fence),
    )
    assert response.status_code == 200
    missing = running.post(running.url("metrics"), POINT, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"attempt", "fence"}


def test_writes_before_the_claim_are_refused(worker: WorkerClient) -> None:
    response = worker.write("heartbeat")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_claimed"
    assert Job.objects.get(pk=worker.started.job_id).status == JobStatus.PROVISIONING


def test_a_lost_slot_lease_makes_heartbeat_and_claim_409(worker: WorkerClient) -> None:
    from backend.scheduling.slots import slot_release

    started = worker.started
    assert worker.claim().status_code == 200
    assert worker.write("heartbeat").json()["action"] == "continue"
    slot_release(holder=started.job_id, fence=started.fence)  # the lease expired
    response = worker.write("heartbeat")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_attempt"

    fresh = JobFactory()
    unclaimed = WorkerClient(attempt_start(fresh))
    slot_release(holder=str(fresh.pk), fence=unclaimed.started.fence)
    assert unclaimed.claim().status_code == 409
    assert Job.objects.get(pk=fresh.pk).status == JobStatus.PROVISIONING  # the reaper's turn
