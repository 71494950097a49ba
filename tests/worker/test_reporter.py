"""ApiReporter against a stub API: batching, ordering, retry without loss, stop signals."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.worker.conftest import wait_for
from tests.worker.stubs import Seen, Stub, StubServer
from worker.api_client import ApiClient
from worker.reporter import ApiReporter


class Point:
    def __init__(self, step: int, loss: float) -> None:
        self.step, self.loss = step, loss

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "epoch": 0.0, "train_loss": self.loss, "val_loss": None}


def _ok(action: str = "continue") -> Callable[[Seen], tuple[int, Any]]:
    return lambda seen: (200, {"stored": 0, "action": action, "heartbeat_seconds": 10})


def test_calls_return_at_once_and_are_sent_in_batches(
    fast_client: Callable[..., ApiClient],
) -> None:
    stub = Stub(reply=_ok())
    with StubServer(stub) as url:
        reporter = ApiReporter(fast_client(url), heartbeat_seconds=60, flush_seconds=0.2).start()
        started = time.perf_counter()
        reporter.stage("training", state="active")
        for step in range(1, 251):
            reporter.metrics(Point(step, 2.0))
            reporter.progress(step=step, total_steps=250, epoch=1, total_epochs=1)
        for i in range(30):
            reporter.event("info", f"event {i}", {"i": i})
        assert time.perf_counter() - started < 0.1  # the loop never waits on the network
        assert reporter.flush(timeout=10)
        reporter.close()
    metric_posts = [s.json() for s in stub.seen if s.path.endswith("/metrics")]
    steps = [p["step"] for body in metric_posts for p in body["points"]]
    assert steps == list(range(1, 251))  # each point once, in order
    assert len(metric_posts) <= 4  # batched, not one request per point
    assert metric_posts[-1]["progress"] == {
        "step": 250,
        "total_steps": 250,
        "epoch": 1,
        "total_epochs": 1,
    }
    events = [e for s in stub.seen if s.path.endswith("/events") for e in s.json()["events"]]
    assert [e["seq"] for e in events] == list(range(1, 31))
    # The stage change went out before the metrics that followed it.
    paths = [s.path.rsplit("/", 1)[-1] for s in stub.seen if not s.path.endswith("heartbeat")]
    assert paths[0] == "stage"


def test_5xx_responses_are_retried_and_nothing_is_lost(
    fast_client: Callable[..., ApiClient],
) -> None:
    def reply(seen: Seen) -> tuple[int, Any]:
        if seen.path.endswith("/metrics") and stub.count("/metrics") <= 4:
            return 500, {}
        return 200, {"stored": 0, "action": "continue"}

    stub = Stub(reply=reply)
    with StubServer(stub) as url:
        reporter = ApiReporter(fast_client(url), heartbeat_seconds=60, flush_seconds=0.1).start()
        for step in range(1, 21):
            reporter.metrics(Point(step, 1.0))
        assert reporter.flush(timeout=10)
        reporter.close()
    accepted = [s.json() for s in stub.seen if s.path.endswith("/metrics")][4:]
    assert sorted({p["step"] for b in accepted for p in b["points"]}) == list(range(1, 21))


def test_heartbeat_reply_makes_should_stop_answer_cancel(
    fast_client: Callable[..., ApiClient],
) -> None:
    action = {"value": "continue"}
    stub = Stub(reply=lambda s: (200, {"action": action["value"], "heartbeat_seconds": 1}))
    with StubServer(stub) as url:
        reporter = ApiReporter(fast_client(url), heartbeat_seconds=0.1, flush_seconds=5).start()
        wait_for(lambda: stub.count("/heartbeat") >= 1, timeout=5)
        assert reporter.should_stop() is None
        action["value"] = "cancel"
        wait_for(lambda: reporter.should_stop() == "cancel", timeout=5)
        reporter.close()


def test_409_marks_the_attempt_lost_and_stops_sending(
    fast_client: Callable[..., ApiClient],
) -> None:
    stub = Stub(reply=lambda s: (409, {"error": {"code": "stale_attempt", "message": "stop"}}))
    with StubServer(stub) as url:
        reporter = ApiReporter(fast_client(url), heartbeat_seconds=0.1, flush_seconds=0.1).start()
        wait_for(lambda: reporter.lost is not None, timeout=5)
        assert reporter.should_stop() == "cancel"
        before = len(stub.seen)
        reporter.metrics(Point(1, 1.0))
        reporter.close(timeout=1)
        assert len(stub.seen) == before


def test_checkpoints_upload_in_the_background_and_echo_events_are_dropped(
    fast_client: Callable[..., ApiClient], tmp_path: Path
) -> None:
    ckpt = tmp_path / "step-0000010.pt"
    ckpt.write_bytes(b"weights")
    stub = Stub(reply=_ok())
    with StubServer(stub) as url:
        reporter = ApiReporter(fast_client(url), heartbeat_seconds=60, flush_seconds=0.1).start()
        reporter.checkpoint(path=ckpt, step=10, sha256="ab" * 32, metrics={"val_loss": 1.0})
        reporter.event("checkpoint", "Checkpoint saved at step 10", {"step": 10})
        reporter.event("status", "Stage training started", {"stage": "training"})
        reporter.event("info", "kept", {"nan": float("nan"), "path": tmp_path})
        assert reporter.flush(timeout=10)
        reporter.close()
    upload = next(s for s in stub.seen if s.path.endswith("/checkpoints"))
    assert b"weights" in upload.body and b'name="step"' in upload.body
    events = [e for s in stub.seen if s.path.endswith("/events") for e in s.json()["events"]]
    assert [e["message"] for e in events] == ["kept"]
    assert events[0]["payload"] == {"nan": None, "path": str(tmp_path)}
