"""GET /api/training/jobs/{id}/events and /events/export."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.telemetry.services import EventIn, events_append
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def job() -> Any:
    job = JobFactory()
    items = []
    for i in range(1, 121):
        kind = ["status", "metrics", "warning", "error", "info", "checkpoint"][i % 6]
        items.append(EventIn(type=kind, message=f"{kind} event {i}", payload={"i": i}))
    events_append(job_id=job.pk, attempt=1, items=items)
    return job


def url(job: Any) -> str:
    return f"/api/training/jobs/{job.pk}/events"


def test_newest_first_50_per_page(owner_client: Any, job: Any) -> None:
    body = owner_client.get(url(job)).json()
    assert body["count"] == 120 and body["total_pages"] == 3 and body["page_size"] == 50
    seqs = [e["seq"] for e in body["results"]]
    assert seqs == list(range(120, 70, -1))
    first = body["results"][0]
    assert first == {
        **first,
        "type": "status",
        "message": "status event 120",
        "payload": {"i": 120},
        "attempt": 1,
    }


def test_type_filter_one_or_several(owner_client: Any, job: Any) -> None:
    errors = owner_client.get(url(job), {"type": "error"}).json()
    assert errors["count"] == 20 and {e["type"] for e in errors["results"]} == {"error"}
    both = owner_client.get(url(job), {"type": "warning,error"}).json()
    assert both["count"] == 40


def test_keyword_search(owner_client: Any, job: Any) -> None:
    body = owner_client.get(url(job), {"search": "event 11"}).json()
    assert sorted(e["seq"] for e in body["results"]) == [
        11,
        110,
        111,
        112,
        113,
        114,
        115,
        116,
        117,
        118,
        119,
    ]


def test_after_seq_for_increments(owner_client: Any, job: Any) -> None:
    body = owner_client.get(url(job), {"after_seq": 117}).json()
    assert [e["seq"] for e in body["results"]] == [120, 119, 118] and body["count"] == 3


def test_worker_retries_do_not_duplicate(job: Any) -> None:
    batch = [
        EventIn(type="info", message="a", worker_seq=1),
        EventIn(type="info", message="b", worker_seq=2),
    ]
    assert len(events_append(job_id=job.pk, attempt=2, items=batch)) == 2
    assert events_append(job_id=job.pk, attempt=2, items=batch) == []
    job.refresh_from_db()
    assert job.last_event_seq == 122


def test_bad_type_is_400(owner_client: Any, job: Any) -> None:
    response = owner_client.get(url(job), {"type": "gossip"})
    assert response.status_code == 400 and "type" in response.json()["error"]["fields"]


def test_export_json_and_csv_respect_filters(owner_client: Any, job: Any) -> None:
    response = owner_client.get(f"{url(job)}/export", {"format": "json", "type": "error"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = json.loads(b"".join(response.streaming_content))
    assert len(rows) == 20 and {r["type"] for r in rows} == {"error"}

    response = owner_client.get(f"{url(job)}/export", {"format": "csv"})
    assert response["Content-Type"] == "text/csv"
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert table[0] == ["seq", "attempt", "created_at", "type", "message", "payload"]
    assert len(table) == 121 and table[1][0] == "120" and json.loads(table[1][5]) == {"i": 120}


def test_events_are_in_time_order_ties_by_sequence(owner_client: Any) -> None:
    # A worker batch commits after an event the API recorded later (14:47:06) but carries its
    # own earlier times (14:47:04, 14:47:05): time order wins; one batch's equal times keep seq.
    job = JobFactory()
    t = timezone.now().replace(microsecond=0)
    events_append(
        job_id=job.pk,
        attempt=1,
        items=[EventIn(type="status", message="api", created_at=t + timedelta(seconds=6))],
    )
    events_append(
        job_id=job.pk,
        attempt=1,
        items=[
            EventIn(type="info", message="w1", created_at=t + timedelta(seconds=4), worker_seq=1),
            EventIn(type="info", message="w2", created_at=t + timedelta(seconds=5), worker_seq=2),
            EventIn(type="info", message="w3", created_at=t + timedelta(seconds=5), worker_seq=3),
        ],
    )
    body = owner_client.get(f"/api/training/jobs/{job.pk}/events").json()
    assert [(e["message"], e["seq"]) for e in body["results"]] == [
        ("api", 1),
        ("w3", 4),
        ("w2", 3),
        ("w1", 2),
    ]
    # The export lists them in the same order.
    exported = owner_client.get(f"/api/training/jobs/{job.pk}/events/export")
    rows = json.loads(b"".join(exported.streaming_content))
    assert [e["message"] for e in rows] == ["api", "w3", "w2", "w1"]
