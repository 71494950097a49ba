"""What gunicorn answers by itself (before Django sees the request) is in the one error shape
too: raw bytes over a socket to a live gunicorn started with the project's configuration
(`backend/config/gunicorn.py`, as `make run`, the Docker image, the fuzz stage and the bench)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.live_server import gunicorn_server, stack_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    env = stack_env(
        database_url=os.environ["DATABASE_URL"],
        redis_prefix="gunicorn-errors",
        var_dir=tmp_path_factory.mktemp("var"),
    )
    with gunicorn_server(env, workers=1, threads=2) as url:
        parts = urlsplit(url)
        yield parts.hostname or "127.0.0.1", parts.port or 80


def _exchange(server: tuple[str, int], raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the reply until the server closes: (status, headers, body)."""
    with socket.create_connection(server, timeout=30) as sock:
        # The server may answer and close before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    reply = b"".join(chunks)
    head, _, body = reply.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ")[1]), headers, body


def _error(headers: dict[str, str], body: bytes) -> dict[str, Any]:
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "fields"} and error["fields"] == {}
    return error


LONG = 20_000  # bytes of path: over gunicorn's request-line limit (8190)
MEGABYTE = 1024 * 1024 + 10

# (request, status, code); the long lines are built in the test (their bytes make poor ids).
CASES = {
    "malformed-header": (
        b"GET /api/auth/csrf HTTP/1.1\r\nHost: 127.0.0.1\r\nNo colon here\r\n\r\n",
        400,
        "bad_request",
    ),
    "invalid-header-name": (
        b"GET /api/auth/csrf HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Name: 1\r\n\r\n",
        400,
        "bad_request",
    ),
    "http-version": (
        b"GET /api/auth/csrf HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n",
        400,
        "bad_request",
    ),
    "method": (b"G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, "bad_request"),
    "too-many-headers": (
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
        431,
        "headers_too_large",
    ),
    "request-line-20kB": (LONG, 414, "uri_too_long"),
    "request-line-over-1MB": (MEGABYTE, 414, "uri_too_long"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_gunicorn_errors_are_in_the_error_shape(server: tuple[str, int], case: str) -> None:
    raw, status, code = CASES[case]
    if isinstance(raw, int):
        raw = b"GET /api/auth/csrf?q=" + b"a" * raw + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    got, headers, body = _exchange(server, raw)
    assert got == status, body[:300]
    assert _error(headers, body)["code"] == code
    assert b"<html" not in body.lower()


def test_a_malformed_chunked_body_is_a_400_not_a_500(server: tuple[str, int]) -> None:
    # gunicorn de-chunks while the app reads: its parse error reached the app as a 500.
    status, headers, body = _exchange(
        server,
        b"POST /api/auth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    )
    assert status == 400
    assert _error(headers, body)["message"] == "The chunked request body is malformed."


def test_a_well_formed_request_is_served_as_usual(server: tuple[str, int]) -> None:
    status, headers, body = _exchange(
        server, b"GET /api/auth/csrf HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    assert status == 204 and body == b""
    assert "csrftoken=" in headers["set-cookie"]
