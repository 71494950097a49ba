"""A live stack for the scripts and tests that drive a real server over loopback (the fuzz
stage, the load bench, the gunicorn error-shape test): a scratch PostgreSQL database next to
DATABASE_URL's, the environment that points a server at it, and gunicorn on a free port with
the project's configuration (`backend/config/gunicorn.py`).

    with scratch_database("fuzz") as db_url:
        env = stack_env(database_url=db_url, redis_prefix="fuzz", var_dir=workdir / "var")
        migrate(env)
        seeded = run_json([sys.executable, "seed.py"], env)
        with gunicorn_server(env, workers=3, threads=4) as url:
            ...

Everything it starts it stops: the server is terminated and the database dropped on the way
out, whatever happened inside.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test"
SERVER_START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _recreate_database(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def scratch_database(suffix: str) -> Iterator[str]:
    """A fresh, empty `<DATABASE_URL's name>_<suffix>` database (yields its URL); dropped after."""
    parts = urlsplit(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    _recreate_database(admin_url, name)
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        _recreate_database(admin_url, name, drop_only=True)


def stack_env(
    *, database_url: str, redis_prefix: str, var_dir: Path | str, **overrides: str
) -> dict[str, str]:
    """The environment of a test server: test settings, this database, private Redis keys
    (`<redis_prefix>:<random>:`), its own media folder, only errors logged."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "LORA_REDIS_PREFIX": f"{redis_prefix}:{uuid.uuid4().hex[:12]}:",
        "LORA_VAR_DIR": str(var_dir),
        "LORA_LOG_LEVEL": "ERROR",
        **overrides,
    }


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def run_json(cmd: list[str], env: dict[str, str]) -> Any:
    """Run a command (a seed or count script) and return the JSON of its last output line."""
    out = subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the test server exited during start-up")
        try:
            urllib.request.urlopen(url + "/api/auth/csrf", timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"the test server did not answer within {SERVER_START_TIMEOUT:.0f} s")


@contextmanager
def gunicorn_server(
    env: dict[str, str], *, workers: int, threads: int, timeout: int = 60
) -> Iterator[str]:
    """gunicorn with the project's configuration on a free loopback port; yields its base URL
    once it answers, terminates it after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "backend.config.wsgi:application",
            "-c", "python:backend.config.gunicorn",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads),
            "--timeout", str(timeout),
            "--log-level", "warning",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    try:
        _wait_ready(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
