"""The gunicorn configuration every web server of the project runs with: `make run`'s
`run_all`, the Docker image, the fuzz stage and the load bench all pass
`-c python:backend.config.gunicorn`.

Two settings keep gunicorn's own replies inside the one error shape:

- `worker_class = JsonErrorWorker`: what gunicorn answers itself — a request line longer than
  `limit_request_line` (414), a malformed request line, header or HTTP version (400), too many
  or too large headers (431), an unsupported transfer coding (501) — goes out as
  `{"error": {...}}` JSON instead of its HTML page. Status and logging stay gunicorn's: the
  worker lets gunicorn's `handle_error` run against a stand-in socket, reads the status line it
  wrote, and sends the JSON reply with that status to the client;
- `limit_request_line` is gunicorn's maximum (8190 bytes, as the app's `MAX_URI_BYTES`): a
  longer line is refused before it is buffered (with `0`, "unlimited", gunicorn 27 buffered
  request lines of 8 MB and more for the app to refuse).

Worker processes, threads and timeouts differ per use and are given on each command line.
"""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

worker_class = "backend.config.gunicorn.JsonErrorWorker"
limit_request_line = 8190

# Statuses gunicorn answers by itself that the app never does (the app's are in
# backend.common.middleware.STATUS_CODES).
_OWN_CODES: dict[int, tuple[str, str]] = {
    417: ("expectation_failed", "The Expect header cannot be met."),
    431: ("headers_too_large", "The request headers are too large."),
    501: ("not_implemented", "The request uses a transfer coding the server does not support."),
}


class _CapturedSocket:
    """Stands in for the client socket while gunicorn writes its error page: keeps the bytes,
    passes everything else to the real socket."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self.written = b""

    def gettimeout(self) -> float:
        return 0.0  # so gunicorn's write_nonblock neither blocks nor toggles the real socket

    def sendall(self, data: bytes) -> None:
        self.written += data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _status_of(written: bytes) -> tuple[int, str]:
    """(status, reason) from gunicorn's reply, e.g. b"HTTP/1.1 400 Bad Request\\r\\n..."."""
    line = written.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ", 2)
    try:
        return int(parts[1]), parts[2] if len(parts) > 2 else ""
    except (IndexError, ValueError):
        return 400, "Bad Request"


def error_reply(status: int, reason: str, detail: str) -> bytes:
    """A complete HTTP/1.1 reply carrying the project's error shape; `detail` (what gunicorn
    found wrong, for client errors) is appended to the message."""
    # Imported here: the arbiter imports this module before Django is set up.
    from backend.common.errors import error_body
    from backend.common.middleware import STATUS_CODES

    code, message = {**STATUS_CODES, **_OWN_CODES}.get(status, ("error", "Request failed."))
    if detail and status < 500:
        message = f"{message} {detail[:200]}"
    body = json.dumps(error_body(code, message)).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class JsonErrorWorker(ThreadWorker):
    """gunicorn's threaded worker, answering its own errors in the project's error shape."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _CapturedSocket(client)
        super().handle_error(req, captured, addr, exc)  # logs, and picks the status
        if not captured.written:
            return
        status, reason = _status_of(captured.written)
        try:
            util.write_nonblock(client, error_reply(status, reason, str(exc)))
        except Exception:
            self.log.debug("Failed to send error message.")
