"""GET /api/training/queue, promote and remove."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.jobs.models import CancelReason, Job, JobStatus
from tests.backend.scheduling.helpers import move, set_limits
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

URL = "/api/training/queue"


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _close(value: str, expected: datetime, seconds: float = 5.0) -> bool:
    return abs((_at(value) - expected).total_seconds()) < seconds


@pytest.fixture
def board(owner: User, teammate: User) -> dict[str, Job]:
    """Two busy slots (free in 20 and 30 minutes) and three queued jobs."""
    set_limits(concurrency_limit=2)
    now = timezone.now()
    running = JobFactory(
        created_by=teammate, est_duration_seconds=1800, created_at=now - timedelta(hours=1)
    )
    running = move(running, JobStatus.PROVISIONING, now=now - timedelta(minutes=10))
    running = move(running, JobStatus.RUNNING, now=now - timedelta(minutes=9))
    busy = JobFactory(
        created_by=teammate, est_duration_seconds=3600, created_at=now - timedelta(hours=1)
    )
    busy = move(busy, JobStatus.PROVISIONING, now=now - timedelta(minutes=30))
    first = JobFactory(
        created_by=owner, est_duration_seconds=600, created_at=now - timedelta(minutes=3)
    )
    second = JobFactory(
        created_by=teammate, est_duration_seconds=900, created_at=now - timedelta(minutes=2)
    )
    third = JobFactory(
        created_by=owner, est_duration_seconds=600, created_at=now - timedelta(minutes=1)
    )
    return {"running": running, "busy": busy, "first": first, "second": second, "third": third}


def test_the_queue_shows_slots_positions_and_estimated_starts(
    owner_client: APIClient, board: dict[str, Job]
) -> None:
    now = timezone.now()
    body = owner_client.get(URL).json()
    assert body["concurrency_limit"] == 2
    assert body["active_count"] == 2
    assert body["depth"] == 3
    # Slots numbered by attempt start: `busy` began 30 minutes ago, `running` 10.
    assert [(a["slot"], a["job"]["id"]) for a in body["active"]] == [
        (1, str(board["busy"].pk)),
        (2, str(board["running"].pk)),
    ]
    assert _close(body["active"][0]["estimated_finish_at"], now + timedelta(minutes=30))
    assert _close(body["active"][1]["estimated_finish_at"], now + timedelta(minutes=20))

    queued = body["queued"]
    assert [(q["position"], q["job"]["id"]) for q in queued] == [
        (1, str(board["first"].pk)),
        (2, str(board["second"].pk)),
        (3, str(board["third"].pk)),
    ]
    assert [q["job"]["queue_position"] for q in queued] == [1, 2, 3]
    # Slots free at +20 (running) and +30 (busy). first (10 min) takes +20 and frees at +30;
    # second (15 min) takes one +30 slot, third the other.
    expected = [now + timedelta(minutes=m) for m in (20, 30, 30)]
    for entry, start in zip(queued, expected, strict=True):
        assert _close(entry["estimated_start_at"], start)
    assert [round(q["wait_seconds"] / 60) for q in queued] == [3, 2, 1]
    first_card = queued[0]["job"]
    assert first_card["status"] == "queued"
    assert first_card["allowed_actions"] == ["cancel", "remove_from_queue"]
    assert first_card["created_by"]["username"] == "olivia"
    assert first_card["gpu_type"] == {"slug": "h100-80gb", "name": "H100"}
    assert first_card["configuration_summary"] == "Balanced • Spot H100"


def test_managers_can_promote_a_job_to_the_front(
    manager_client: APIClient, teammate_client: APIClient, board: dict[str, Job]
) -> None:
    third = board["third"]
    url = f"{URL}/{third.pk}/promote"
    assert teammate_client.post(url).status_code == 403
    response = manager_client.post(url)
    assert response.status_code == 200
    assert [q["job"]["id"] for q in response.json()["queued"]] == [
        str(third.pk),
        str(board["first"].pk),
        str(board["second"].pk),
    ]
    assert response.json()["queued"][0]["job"]["allowed_actions"] == [
        "cancel",
        "remove_from_queue",
        "promote",
    ]
    running = manager_client.post(f"{URL}/{board['running'].pk}/promote")
    assert running.status_code == 409
    assert running.json()["error"]["code"] == "conflict"
    missing = manager_client.post(f"{URL}/00000000-0000-0000-0000-000000000000/promote")
    assert missing.status_code == 404


def test_the_creator_or_a_manager_can_remove_a_job_from_the_queue(
    owner: User,
    owner_client: APIClient,
    teammate_client: APIClient,
    manager_client: APIClient,
    board: dict[str, Job],
) -> None:
    first = board["first"]
    assert teammate_client.post(f"{URL}/{first.pk}/remove").status_code == 403
    response = owner_client.post(f"{URL}/{first.pk}/remove")
    assert response.status_code == 200
    assert str(first.pk) not in [q["job"]["id"] for q in response.json()["queued"]]
    assert response.json()["depth"] == 2
    first.refresh_from_db()
    assert first.status == JobStatus.CANCELLED
    assert first.cancel_reason == CancelReason.REMOVED_FROM_QUEUE
    assert first.cancelled_by == owner

    # A manager may remove anyone's job; a job that is no longer queued cannot be removed.
    assert manager_client.post(f"{URL}/{board['second'].pk}/remove").status_code == 200
    conflict = manager_client.post(f"{URL}/{board['running'].pk}/remove")
    assert conflict.status_code == 409
    assert Job.objects.get(pk=board["running"].pk).status == JobStatus.RUNNING


def test_queue_analytics(owner_client: APIClient) -> None:
    now = timezone.now()

    def started(created_ago: timedelta, waited: timedelta) -> None:
        created = now - created_ago
        JobFactory(
            created_at=created,
            started_at=created + waited,
            status=JobStatus.COMPLETED,
            finished_at=now,
        )

    started(timedelta(hours=2), timedelta(minutes=30))  # started 90 min ago, waited 30 min
    started(timedelta(minutes=30), timedelta(minutes=10))  # started 20 min ago, waited 10 min
    started(timedelta(days=3), timedelta(days=1))  # started 2 days ago, waited a day
    started(timedelta(days=10), timedelta(hours=5))  # outside every window
    JobFactory(created_at=now - timedelta(minutes=5))  # queued, never started
    JobFactory(created_at=now - timedelta(minutes=4))

    analytics = owner_client.get(URL).json()["analytics"]
    assert analytics == {
        "depth": 2,
        "started_last_hour": 1,
        "average_wait_seconds_24h": 1200.0,
        "longest_wait_seconds_24h": 1800.0,
        "average_wait_seconds_7d": (1800 + 600 + 86400) / 3,
        "longest_wait_seconds_7d": 86400.0,
    }


def test_an_empty_queue(owner_client: APIClient) -> None:
    body = owner_client.get(URL).json()
    assert body["active"] == [] and body["queued"] == []
    assert body["depth"] == 0 and body["active_count"] == 0
    assert body["analytics"]["average_wait_seconds_24h"] is None


def test_the_queue_needs_a_signed_in_user(anon_client: APIClient, db: Any) -> None:
    assert anon_client.get(URL).status_code in (401, 403)
