"""GET /api/training/jobs: filters, search, ordering, pagination, per-persona actions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.jobs.models import JobStatus
from tests.factories import GpuTypeFactory, JobFactory

pytestmark = pytest.mark.django_db
URL = "/api/training/jobs"


def names(response: Any) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_anonymous_gets_401_in_the_error_shape(anon_client: Any) -> None:
    response = anon_client.get(URL)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_everyone_sees_the_teams_jobs_newest_first(owner: Any, teammate_client: Any) -> None:
    now = timezone.now()
    JobFactory(name="old", created_by=owner, created_at=now - timedelta(hours=2))
    JobFactory(name="new", created_by=owner, created_at=now)
    response = teammate_client.get(URL)
    assert response.status_code == 200
    assert names(response) == ["new", "old"]
    body = response.json()
    assert body["count"] == 2 and body["page"] == 1 and body["total_pages"] == 1


def test_row_carries_what_the_table_shows(owner: Any, owner_client: Any) -> None:
    started = timezone.now() - timedelta(hours=1)
    JobFactory(
        name="Elena Financial",
        created_by=owner,
        status=JobStatus.RUNNING,
        stage="training",
        started_at=started,
        billing_since=started,
        hourly_rate=Decimal("2.49"),
        current_step=850,
        total_steps=2000,
        preset="balanced",
        pricing="spot",
    )
    row = owner_client.get(URL).json()["results"][0]
    assert row["status"] == "running" and row["stage"] == "training"
    assert row["percent_complete"] == 42.5
    assert row["configuration_summary"] == "Balanced • Spot H100"
    assert row["created_by"]["display_name"] == "Olivia Owner"
    assert row["duration_seconds"] == pytest.approx(3600, abs=5)
    assert row["current_cost"] == pytest.approx(2.49, abs=0.01)
    assert row["allowed_actions"] == ["cancel", "pause"]  # a job in its training stage may pause
    assert row["queue_position"] is None


def test_allowed_actions_depend_on_who_asks(
    owner: Any, owner_client: Any, teammate_client: Any, manager_client: Any
) -> None:
    JobFactory(name="q", created_by=owner, status=JobStatus.QUEUED)
    JobFactory(name="done", created_by=owner, status=JobStatus.COMPLETED)

    def actions(client: Any) -> dict[str, list[str]]:
        return {r["name"]: r["allowed_actions"] for r in client.get(URL).json()["results"]}

    assert actions(owner_client) == {"q": ["cancel", "remove_from_queue"], "done": ["delete"]}
    assert actions(teammate_client) == {"q": [], "done": []}
    assert actions(manager_client) == {
        "q": ["cancel", "remove_from_queue", "promote"],
        "done": ["delete"],
    }


def test_queued_rows_carry_their_fifo_position(owner_client: Any, owner: Any) -> None:
    now = timezone.now()
    JobFactory(name="second", status=JobStatus.QUEUED, queue_order=now.timestamp() + 1)
    JobFactory(name="first", status=JobStatus.QUEUED, queue_order=now.timestamp())
    rows = owner_client.get(URL).json()["results"]
    assert {r["name"]: r["queue_position"] for r in rows} == {"first": 1, "second": 2}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=running", {"running"}),
        ("status=active", {"running", "provisioning", "cancelling"}),
        ("status=completed,failed", {"completed", "failed"}),
        ("status=cancelled", {"cancelled"}),
        ("status=queued", {"queued"}),
    ],
)
def test_status_filter_takes_single_several_and_groups(
    owner_client: Any, query: str, expected: set[str]
) -> None:
    for status in [
        "queued",
        "provisioning",
        "running",
        "cancelling",
        "completed",
        "failed",
        "cancelled",
    ]:
        JobFactory(name=status, status=status)
    assert set(names(owner_client.get(f"{URL}?{query}"))) == expected


def test_date_range_and_explicit_dates(owner_client: Any) -> None:
    now = timezone.now()
    for days in (1, 10, 40, 100):
        JobFactory(name=f"{days}d", created_at=now - timedelta(days=days))
    assert set(names(owner_client.get(f"{URL}?date_range=7d"))) == {"1d"}
    assert set(names(owner_client.get(f"{URL}?date_range=30d"))) == {"1d", "10d"}
    assert set(names(owner_client.get(f"{URL}?date_range=90d"))) == {"1d", "10d", "40d"}
    after = (now - timedelta(days=50)).isoformat()
    before = (now - timedelta(days=5)).isoformat()
    response = owner_client.get(URL, {"created_after": after, "created_before": before})
    assert set(names(response)) == {"10d", "40d"}


def test_creator_gpu_cost_and_search_filters(owner: Any, teammate: Any, owner_client: Any) -> None:
    a100 = GpuTypeFactory(slug="a100-80gb", name="A100 80GB")
    JobFactory(name="Elena financial", created_by=owner, final_cost=Decimal("5"))
    JobFactory(name="Client X", created_by=teammate, gpu_type=a100, final_cost=Decimal("50"))
    assert names(owner_client.get(f"{URL}?creator=me")) == ["Elena financial"]
    assert names(owner_client.get(f"{URL}?creator={teammate.pk}")) == ["Client X"]
    assert names(owner_client.get(f"{URL}?gpu_type=a100-80gb")) == ["Client X"]
    assert names(owner_client.get(f"{URL}?cost_min=10")) == ["Client X"]
    assert names(owner_client.get(f"{URL}?cost_max=10")) == ["Elena financial"]
    assert names(owner_client.get(f"{URL}?search=elena")) == ["Elena financial"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=bogus", "status"),
        ("date_range=2d", "date_range"),
        ("creator=someone", "creator"),
        ("cost_min=abc", "cost_min"),
        ("ordering=password", "ordering"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
    ],
)
def test_bad_filter_values_are_400_with_field_messages(
    owner_client: Any, query: str, field: str
) -> None:
    JobFactory()
    response = owner_client.get(f"{URL}?{query}")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_error"
    assert field in body["fields"]


def test_ordering_by_name_cost_and_duration(owner_client: Any) -> None:
    now = timezone.now()
    JobFactory(
        name="b",
        final_cost=Decimal("3"),
        started_at=now - timedelta(hours=3),
        finished_at=now,
        status="completed",
    )
    JobFactory(
        name="a",
        final_cost=Decimal("9"),
        started_at=now - timedelta(hours=1),
        finished_at=now,
        status="completed",
    )
    JobFactory(name="c", final_cost=Decimal("1"))  # never started: no duration, sorts last
    assert names(owner_client.get(f"{URL}?ordering=name")) == ["a", "b", "c"]
    assert names(owner_client.get(f"{URL}?ordering=-cost")) == ["a", "b", "c"]
    assert names(owner_client.get(f"{URL}?ordering=-duration")) == ["b", "a", "c"]
    assert names(owner_client.get(f"{URL}?ordering=duration")) == ["a", "b", "c"]


def test_pagination_defaults_to_25_and_accepts_50_and_100(owner_client: Any) -> None:
    user = JobFactory().created_by
    JobFactory.create_batch(59, created_by=user)
    first = owner_client.get(URL).json()
    assert (first["count"], first["page_size"], first["total_pages"]) == (60, 25, 3)
    assert len(first["results"]) == 25 and first["next"] and first["previous"] is None
    assert len(owner_client.get(f"{URL}?page_size=50").json()["results"]) == 50
    last = owner_client.get(f"{URL}?page=3").json()
    assert len(last["results"]) == 10 and last["next"] is None
    assert owner_client.get(f"{URL}?page=9").status_code == 404


def _one_of_each_kind(owner: Any) -> None:
    """Rows down every branch a list row takes (actions, cost, progress, queue position)."""
    now = timezone.now()
    JobFactory(created_by=owner, status=JobStatus.QUEUED)
    JobFactory(
        created_by=owner, status=JobStatus.RUNNING, stage="training", started_at=now,
        billing_since=now, current_step=5, total_steps=50,
    )  # fmt: skip
    JobFactory(created_by=owner, status=JobStatus.PAUSED, started_at=now)
    JobFactory(created_by=owner, status=JobStatus.COMPLETED, started_at=now, finished_at=now)
    JobFactory(status=JobStatus.CANCELLING, started_at=now)


def test_list_runs_a_constant_number_of_queries(owner: Any, owner_client: Any) -> None:
    """Also: a row reads no column the list leaves out (LIST_FIELDS), which would cost a
    query per row."""
    _one_of_each_kind(owner)
    with CaptureQueriesContext(connection) as small:
        owner_client.get(URL)
    for _ in range(4):
        _one_of_each_kind(owner)
    with CaptureQueriesContext(connection) as large:
        rows = owner_client.get(URL).json()["results"]
    assert len(rows) == 25
    assert {r["status"] for r in rows} >= {"queued", "running", "paused", "completed"}
    assert any("pause" in r["allowed_actions"] for r in rows)
    assert len(large) == len(small)
    assert len(large) <= 5
