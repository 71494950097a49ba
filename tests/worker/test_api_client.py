"""ApiClient against a stub server: retries on 5xx, stop on 409/401, no retry on other 4xx."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable
from typing import Any

import pytest

from tests.worker.stubs import Seen, Stub, StubServer
from worker.api_client import ApiClient, ApiError, AttemptEnded, StaleAttempt, backoff_delays


def test_retries_5xx_then_succeeds_with_the_same_body(
    fast_client: Callable[..., ApiClient],
) -> None:
    def reply(seen: Seen) -> tuple[int, Any]:
        return (503, {}) if len(stub.seen) <= 3 else (200, {"stored": 1, "action": "continue"})

    stub = Stub(reply=reply)
    with StubServer(stub) as url:
        body = fast_client(url).metrics([{"step": 1, "train_loss": 2.0}], progress={"step": 1})
    assert body == {"stored": 1, "action": "continue"}
    assert len(stub.seen) == 4
    assert {s.body for s in stub.seen} == {stub.seen[0].body}  # resent unchanged
    sent = stub.seen[0].json()
    assert (sent["attempt"], sent["fence"], sent["points"][0]["step"]) == (1, 7, 1)
    assert stub.seen[0].headers["Authorization"] == "Bearer t0ken"
    assert stub.seen[0].path == "/api/worker/jobs/00000000-0000-0000-0000-000000000001/metrics"


def test_connection_errors_are_retried_until_the_budget_runs_out(
    fast_client: Callable[..., ApiClient],
) -> None:
    with socket.socket() as sock:  # a port nobody listens on: connection refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = fast_client(f"http://127.0.0.1:{port}", retry_budget=0.3)
    with pytest.raises(ApiError, match="kept failing"):
        client.heartbeat()


@pytest.mark.parametrize(
    ("status", "error"), [(409, StaleAttempt), (401, AttemptEnded), (400, ApiError)]
)
def test_4xx_is_not_retried(
    fast_client: Callable[..., ApiClient], status: int, error: type[Exception]
) -> None:
    stub = Stub(reply=lambda s: (status, {"error": {"code": "stale_attempt", "message": "stop"}}))
    with StubServer(stub) as url, pytest.raises(error) as info:
        fast_client(url).heartbeat()
    assert len(stub.seen) == 1
    assert info.value.status == status  # type: ignore[attr-defined]


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    delays = backoff_delays(0.5, 4.0)
    samples = [next(delays) for _ in range(8)]
    caps = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert all(0 <= d <= c for d, c in zip(samples, caps, strict=True))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_download_verifies_the_sha256(tmp_path: Any, fast_client: Callable[..., ApiClient]) -> None:
    stub = Stub(reply=lambda s: (200, {"x": 1}))
    with StubServer(stub) as url:
        client = fast_client(url)
        ok = client.download("/files/a", tmp_path / "a.json", sha256=_sha(b'{"x": 1}'))
        assert ok.read_bytes() == b'{"x": 1}'
        with pytest.raises(ApiError, match="sha256 mismatch"):
            client.download("/files/a", tmp_path / "b.json", sha256="0" * 64)
    assert not (tmp_path / "b.json").exists()
