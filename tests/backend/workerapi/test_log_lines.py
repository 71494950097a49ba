"""The worker's own log lines: the worker endpoint (batches, idempotent retries, rate limit with
a "dropped" marker, fencing) and the Logs tab's cursor endpoint, search, download, permissions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import api_token_create
from backend.telemetry.models import LogLine
from tests.attempts import attempt_lose, attempt_start
from tests.backend.workerapi.conftest import WorkerClient
from tests.factories import UserFactory
from worker.contract.names import MAX_LOG_LINE_CHARS, MAX_LOG_LINES_PER_BATCH

pytestmark = pytest.mark.django_db

T0 = "2026-11-30T12:00:00+00:00"


def _lines(first: int, count: int, stream: str = "stdout", text: str = "line") -> list[dict]:
    return [
        {"seq": seq, "stream": stream, "message": f"{text} {seq}", "created_at": T0}
        for seq in range(first, first + count)
    ]


def _messages(job_id: str) -> list[str]:
    return list(
        LogLine.objects.filter(job_id=job_id).order_by("id").values_list("message", flat=True)
    )


def test_batches_are_stored_in_order_and_a_retried_batch_stores_nothing_twice(
    running: WorkerClient,
) -> None:
    r = running.write("logs", {"lines": _lines(1, 3)})
    assert r.status_code == 200, r.json()
    assert r.json() == {"stored": 3, "dropped": 0, "action": "continue"}
    # The batch is retried (its reply was lost) together with the next lines, out of order.
    r = running.write("logs", {"lines": list(reversed(_lines(1, 5)))})
    assert r.json()["stored"] == 2
    assert _messages(running.started.job_id) == [f"line {i}" for i in range(1, 6)]
    ids = list(LogLine.objects.order_by("id").values_list("seq", flat=True))
    assert ids == [1, 2, 3, 4, 5]


def test_over_the_rate_limit_lines_become_one_dropped_marker(
    running: WorkerClient, settings: Any
) -> None:
    settings.LORA_LOG_LINES_PER_MINUTE = 4
    r = running.write("logs", {"lines": _lines(1, 3)})
    assert r.json()["stored"] == 3
    r = running.write("logs", {"lines": _lines(4, 5)})
    assert r.json() == {"stored": 1, "dropped": 4, "action": "continue"}
    rows = list(LogLine.objects.order_by("id").values_list("seq", "stream", "message"))
    assert rows[:4] == [(i, "stdout", f"line {i}") for i in range(1, 5)]
    assert rows[4] == (5, "system", "4 lines dropped (over the limit of 4 lines a minute)")
    # The same batch again (a retry): neither the lines nor the marker are stored twice.
    r = running.write("logs", {"lines": _lines(4, 5)})
    assert r.json()["stored"] == 0
    assert LogLine.objects.count() == 5


def test_limits_refuse_oversized_batches_and_lines_and_stale_attempts(
    running: WorkerClient, job: Any
) -> None:
    r = running.write("logs", {"lines": _lines(1, MAX_LOG_LINES_PER_BATCH + 1)})
    assert r.status_code == 400
    assert "lines" in r.json()["error"]["fields"]
    long = [
        {"seq": 1, "stream": "stderr", "message": "x" * (MAX_LOG_LINE_CHARS + 1), "created_at": T0}
    ]
    r = running.write("logs", {"lines": long})
    assert r.status_code == 400 and "lines.0.message" in r.json()["error"]["fields"]
    r = running.write("logs", {"lines": [{**_lines(1, 1)[0], "stream": "nope"}]})
    assert r.status_code == 400
    # A newer attempt owns the job: the old worker's lines are refused (409), nothing stored.
    attempt_lose(job)
    newer = WorkerClient(attempt_start(job))
    newer.claim()
    r = running.write("logs", {"lines": _lines(1, 2)})
    assert r.status_code in (401, 409)
    assert LogLine.objects.count() == 0
    r = newer.write("logs", {"lines": _lines(1, 2)})
    assert r.json()["stored"] == 2
    assert set(LogLine.objects.values_list("attempt", flat=True)) == {2}


# --- the Logs tab --------------------------------------------------------------------------


def _url(job_id: str, suffix: str = "") -> str:
    return f"/api/training/jobs/{job_id}/logs{suffix}"


def test_tail_then_follow_after_the_cursor_returns_each_line_once_in_order(
    running: WorkerClient, owner_client: APIClient
) -> None:
    job_id = running.started.job_id
    running.write("logs", {"lines": _lines(1, 5)})
    page = owner_client.get(_url(job_id), {"limit": 3}).json()
    assert [line["message"] for line in page["lines"]] == ["line 3", "line 4", "line 5"]
    assert page["has_more"] is True and page["job_finished"] is False
    cursor = page["next_cursor"]
    # Nothing new: the same cursor comes back.
    again = owner_client.get(_url(job_id), {"after": cursor}).json()
    assert again["lines"] == [] and again["next_cursor"] == cursor
    running.write("logs", {"lines": _lines(6, 4, stream="stderr", text="err")})
    page = owner_client.get(_url(job_id), {"after": cursor, "limit": 3}).json()
    assert [line["message"] for line in page["lines"]] == ["err 6", "err 7", "err 8"]
    assert page["has_more"] is True
    page = owner_client.get(_url(job_id), {"after": page["next_cursor"]}).json()
    assert [line["message"] for line in page["lines"]] == ["err 9"]
    assert page["has_more"] is False
    assert page["lines"][0]["stream"] == "stderr" and page["lines"][0]["attempt"] == 1
    # Scrolling back from the oldest line of the tail.
    first_id = LogLine.objects.get(seq=3).id
    back = owner_client.get(_url(job_id), {"before": first_id}).json()
    assert [line["message"] for line in back["lines"]] == ["line 1", "line 2"]
    assert back["has_more"] is False


def test_search_stream_filter_and_download(
    running: WorkerClient, teammate_client: APIClient
) -> None:
    job_id = running.started.job_id
    running.write("logs", {"lines": _lines(1, 3, text="step")})
    running.write("logs", {"lines": _lines(4, 2, stream="stderr", text="Traceback")})
    found = teammate_client.get(_url(job_id), {"search": "traceback"}).json()
    assert [line["seq"] for line in found["lines"]] == [4, 5]
    by_stream = teammate_client.get(_url(job_id), {"stream": "stdout"}).json()
    assert [line["seq"] for line in by_stream["lines"]] == [1, 2, 3]
    ids = list(LogLine.objects.order_by("id").values_list("id", flat=True))
    window = teammate_client.get(_url(job_id), {"after": ids[0], "before": ids[3]}).json()
    assert [line["seq"] for line in window["lines"]] == [2, 3]
    assert teammate_client.get(_url(job_id), {"limit": 0}).status_code == 400
    response = teammate_client.get(_url(job_id, "/download"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert f"job-{job_id}-logs.txt" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines() == [
        f"2026-11-30T12:00:00.000+00:00 [attempt 1] {stream}: {text} {seq}"
        for seq, stream, text in [
            (1, "stdout", "step"),
            (2, "stdout", "step"),
            (3, "stdout", "step"),
            (4, "stderr", "Traceback"),
            (5, "stderr", "Traceback"),
        ]
    ]


def test_who_may_read_a_jobs_logs(
    running: WorkerClient,
    owner_client: APIClient,
    teammate_client: APIClient,
    manager_client: APIClient,
    anon_client: APIClient,
    job: Any,
) -> None:
    job_id = running.started.job_id
    running.write("logs", {"lines": _lines(1, 2)})
    # Everyone on the team reads a job's logs: the owner, a teammate, a manager.
    for client in (owner_client, teammate_client, manager_client):
        page = client.get(_url(job_id)).json()
        assert [line["seq"] for line in page["lines"]] == [1, 2]
    # Anonymous: refused, for reading and downloading.
    assert anon_client.get(_url(job_id)).status_code in (401, 403)
    assert anon_client.get(_url(job_id, "/download")).status_code in (401, 403)
    # An outsider: a former member (deactivated) with a personal token, and another job's
    # worker token; neither reads the lines, and a worker cannot write into another job.
    outsider: User = UserFactory(username="olga-outsider")
    _, key = api_token_create(user=outsider, name="script")
    outsider.is_active = False
    outsider.save()
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert token_client.get(_url(job_id)).status_code == 401
    other = WorkerClient(attempt_start(_other_job()))
    other.claim()
    assert other.get(_url(job_id)).status_code in (401, 403)
    r = other.post(
        f"/api/worker/jobs/{job_id}/logs",
        {"attempt": other.started.attempt, "fence": other.started.fence, "lines": _lines(9, 1)},
        format="json",
    )
    assert r.status_code == 404
    assert LogLine.objects.filter(job_id=job_id).count() == 2
    assert owner_client.get(_url("00000000-0000-0000-0000-000000000000")).status_code == 404


def _other_job() -> Any:
    from tests.factories import JobFactory

    return JobFactory(total_steps=0)


def test_ids_follow_commit_order_across_attempts(running: WorkerClient, job: Any) -> None:
    """A resumed job's second attempt starts its seq at 1 again; the cursor still orders them."""
    running.write("logs", {"lines": _lines(1, 2, text="first")})
    attempt_lose(job)
    second = WorkerClient(attempt_start(job))
    second.claim()
    second.write("logs", {"lines": _lines(1, 2, text="second")})
    assert _messages(running.started.job_id) == ["first 1", "first 2", "second 1", "second 2"]
    created = LogLine.objects.order_by("id").first()
    assert created is not None and created.created_at == datetime(2026, 11, 30, 12, tzinfo=UTC)
