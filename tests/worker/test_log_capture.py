"""The worker's own log lines: captured from logging, stdout and stderr without blocking,
rate-limited with a "dropped" marker (explicit clock, no sleeps), shipped in order, stopped by
a 409; and end to end with the runner against the real API."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.worker.conftest import wait_for
from tests.worker.stubs import Seen, Stub, StubServer
from worker.api_client import ApiClient
from worker.log_capture import LogCapture


def _ok(seen: Seen) -> tuple[int, Any]:
    return 200, {"stored": len(seen.json()["lines"]), "dropped": 0, "action": "continue"}


def _sent(stub: Stub) -> list[dict[str, Any]]:
    return [line for s in stub.seen if s.path.endswith("/logs") for line in s.json()["lines"]]


def test_logging_stdout_and_stderr_are_captured_in_order_without_blocking(
    fast_client: Callable[..., ApiClient],
) -> None:
    stub = Stub(reply=_ok)
    with StubServer(stub) as url:
        capture = LogCapture(fast_client(url), flush_seconds=0.05, rate=1e9, burst=10_000)
        capture.start()
        try:
            started = time.perf_counter()
            logging.getLogger("worker.training.loop").warning("step 10/20 · loss 2.1")
            print("tokenizing 1,204 conversations")
            sys.stderr.write("a warning from torch\npartial ")
            sys.stderr.write("line\n")
            for i in range(1000):
                capture.add("stdout", f"bulk {i}")
            assert time.perf_counter() - started < 0.5  # the loop never waits on the network
        finally:
            assert capture.close(timeout=10)
    assert sys.stdout.__class__.__name__ != "_Tee"  # restored
    lines = _sent(stub)
    assert [(line["stream"], line["message"]) for line in lines[:4]] == [
        ("log", "worker.training.loop: step 10/20 · loss 2.1"),
        ("stdout", "tokenizing 1,204 conversations"),
        ("stderr", "a warning from torch"),
        ("stderr", "partial line"),
    ]
    assert lines[0]["level"] == "WARNING"
    assert [line["seq"] for line in lines] == list(range(1, 1005))  # each once, in order
    batches = [len(s.json()["lines"]) for s in stub.seen if s.path.endswith("/logs")]
    assert max(batches) <= 500 and sum(batches) == 1004
    assert all(s.json()["fence"] == 7 and s.json()["attempt"] == 1 for s in stub.seen)


def test_over_the_rate_or_the_buffer_lines_are_counted_and_a_marker_says_so(
    fast_client: Callable[..., ApiClient],
) -> None:
    now = [100.0]
    capture = LogCapture(
        fast_client("http://127.0.0.1:9"), rate=1.0, burst=5, max_buffered=8, clock=lambda: now[0]
    )
    for i in range(8):
        capture.add("stdout", f"burst {i}")
    assert capture.dropped_total == 3
    now[0] += 2.0  # two tokens back
    capture.add("stdout", "after the burst")
    queued = list(capture._lines)
    assert [(line["seq"], line["stream"], line["message"]) for line in queued] == [
        *[(i + 1, "stdout", f"burst {i}") for i in range(5)],
        (
            6,
            "system",
            "3 lines dropped by the worker (over 1 lines a second or its buffer was full)",
        ),
        (7, "stdout", "after the burst"),
    ]
    # The buffer is bounded too (the API is down): more lines are counted, not kept.
    now[0] += 100.0
    for i in range(5):
        capture.add("stdout", f"more {i}")
    assert len(capture._lines) == 8 and capture.dropped_total == 3 + 4


def test_a_409_stops_shipping_and_nothing_more_is_queued(
    fast_client: Callable[..., ApiClient],
) -> None:
    stub = Stub(reply=lambda seen: (409, {"error": {"code": "stale_attempt", "message": "x"}}))
    with StubServer(stub) as url:
        capture = LogCapture(fast_client(url), flush_seconds=0.05)
        capture.add("stdout", "hello")
        capture.start(redirect=False)
        wait_for(lambda: capture.stopped is not None, timeout=10)
        capture.add("stdout", "ignored")
        capture.close(timeout=1)
    assert stub.count("/logs") == 1
    assert [line["message"] for line in capture._lines] == ["hello"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("redis_prefix", "sent_tasks")
def test_the_runner_ships_the_training_output_before_the_attempt_ends(live_server: Any) -> None:
    from backend.telemetry.models import LogLine
    from tests.attempts import attempt_start
    from tests.factories import JobFactory
    from tests.worker.fakes import fake_training
    from worker.runner import execute_job

    def chatty(**kw: Any) -> Any:
        print("loading the fake model")
        logging.getLogger("worker.training.loop").info("step 1/5 · loss 2.0000")
        return fake_training(steps=5, checkpoint_at=None)(**kw)

    for run, outcome in ((chatty, "completed"), (fake_training(steps=5, fail_at=3), "failed")):
        started = attempt_start(JobFactory())
        client = ApiClient(
            api_url=live_server.url,
            job_id=started.job_id,
            token=started.token,
            attempt=started.attempt,
            backoff_base=0.01,
            backoff_cap=0.05,
        )
        result = execute_job(
            **started.task_kwargs(live_server.url),
            run=run,
            make_config=lambda spec: spec["job"]["hyperparameters"],
            client=client,
            flush_seconds=0.1,
        )
        assert result.startswith(outcome)
        lines = list(
            LogLine.objects.filter(job_id=started.job_id)
            .order_by("id")
            .values_list("stream", "message")
        )
        assert lines[0][0] == "system" and lines[0][1].startswith("Attempt 1 of job ")
        if outcome == "completed":
            assert ("stdout", "loading the fake model") in lines
            assert ("log", "worker.training.loop: step 1/5 · loss 2.0000") in lines
            assert lines[-1] == ("system", "Training finished")
        else:
            assert lines[-1][0] == "system"
            assert lines[-1][1].startswith("Attempt failed (nan_loss): loss became NaN/inf")
        seqs = list(LogLine.objects.filter(job_id=started.job_id).values_list("seq", flat=True))
        assert len(seqs) == len(set(seqs))
