"""A tiny HTTP server for worker tests: canned replies, or a flaky proxy in front of the API.

The proxy can fail a request *before* forwarding it (the API never saw it) or *after* (the API
stored it but the worker never got the reply): the second kind is what makes idempotency matter.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests


@dataclass
class Seen:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stub:
    """Replies come from `reply(seen) -> (status, json)`; or, with `target`, a proxy whose
    `fail(seen, n) -> None | "before" | "after"` decides the n-th request of that path."""

    reply: Callable[[Seen], tuple[int, Any]] | None = None
    target: str | None = None
    fail: Callable[[Seen, int], str | None] | None = None
    seen: list[Seen] = field(default_factory=list)
    forwarded: list[Seen] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, suffix: str) -> int:
        return sum(1 for s in self.seen if s.path.endswith(suffix))

    def handle(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.seen.append(seen)
            key = seen.path.rsplit("/", 1)[-1]
            n = self._counts[key] = self._counts.get(key, 0) + 1
        if self.target is None:
            assert self.reply is not None
            status, body = self.reply(seen)
            return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
        mode = self.fail(seen, n) if self.fail else None
        if mode == "before":
            return 503, {"Content-Type": "text/plain"}, b"unavailable"
        headers = {
            k: v
            for k, v in seen.headers.items()
            if k.lower() in ("authorization", "content-type", "x-attempt", "x-fence")
        }
        upstream = requests.request(
            seen.method, self.target + seen.path, data=seen.body, headers=headers, timeout=60
        )
        with self._lock:
            self.forwarded.append(seen)
        if mode == "after":
            return 502, {"Content-Type": "text/plain"}, b"bad gateway"
        keep = {k: v for k, v in upstream.headers.items() if k.lower() == "content-type"}
        return upstream.status_code, keep, upstream.content


class _Handler(BaseHTTPRequestHandler):
    stub: Stub

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, body, dict(self.headers.items()))
        status, headers, payload = self.server.stub.handle(seen)  # type: ignore[attr-defined]
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class StubServer:
    """Context manager: `with StubServer(stub) as url: ...`."""

    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.stub = stub  # type: ignore[attr-defined]
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> str:
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
