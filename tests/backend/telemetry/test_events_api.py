"""GET /api/training/jobs/{id}/events and /events/export."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

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
