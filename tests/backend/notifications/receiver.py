"""A real HTTP webhook receiver for tests: verifies each delivery's signature with the reference
check (backend/notifications/signing.py) and answers with scripted status codes."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from backend.notifications.signing import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    SignatureError,
    verify,
)


@dataclass
class Receiver:
    url: str
    secret: str = ""
    script: list[int] = field(default_factory=list)  # status codes to answer, then 200
    accepted: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    seen: dict[str, float] = field(default_factory=dict)
    clock: float | None = None  # the receiver's "now" (None: the real time)


@contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            code = state.script.pop(0) if state.script else 200
            if code == 200:
                try:
                    verify(
                        secret=state.secret,
                        body=body,
                        header=self.headers.get(SIGNATURE_HEADER, ""),
                        delivery_id=self.headers.get(DELIVERY_HEADER, ""),
                        now=state.clock if state.clock is not None else time.time(),
                        seen=state.seen,
                    )
                except SignatureError as exc:
                    state.refused.append(str(exc))
                    code = 400
                else:
                    state.accepted.append({"headers": dict(self.headers), "body": json.loads(body)})
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok" if code == 200 else b"no")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
