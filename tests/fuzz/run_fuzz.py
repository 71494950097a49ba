"""`make test-fuzz`: schemathesis against a live gunicorn server, every operation of
openapi.yaml, all checks, a fixed seed.

1. creates a fresh database next to DATABASE_URL's (`<name>_fuzz`), migrates and seeds it
   (tests/fuzz/seed.py: a user token, and a job with a started attempt for the worker token);
2. starts gunicorn on a free loopback port (DEBUG on: error replies must still be JSON, never
   a traceback page), with private Redis keys and a temporary media folder;
3. runs schemathesis four times at once: the user API (auth + training) with the user's token,
   the worker API with an attempt's bearer token (its `job_id` pinned to the seeded job), the
   fleet registration with the workers' shared secret, and the calls that end an attempt with a
   second attempt's token;
4. stops the server, drops the database, and exits non-zero if either run failed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 20261130
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
SERVER_START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fuzz_database_url(base: str) -> tuple[str, str, str]:
    parts = urlsplit(base)
    name = parts.path.lstrip("/") + "_fuzz"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path="/" + name)), admin, name


def _recreate_database(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the test server exited during start-up")
        try:
            urllib.request.urlopen(url + "/api/auth/csrf", timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("the test server did not answer within a minute")


def _schemathesis(
    url: str, token_header: str, *, include: str, workdir: Path, name: str, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    cmd = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        str(ROOT / "openapi.yaml"),
        "--url",
        url,
        "--checks",
        "all",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        # One thread per run (three runs at once): hypothesis describes its filters by parsing
        # their source, which CPython 3.11's parser does not do safely from several threads.
        "--workers",
        "1",
        "--include-path-regex",
        include,
        "-H",
        f"Authorization: {token_header}",
        "--report",
        "junit",
        "--report-junit-path",
        str(workdir / f"{name}.xml"),
    ]
    log = (workdir / f"{name}.log").open("wb")
    return subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)


def main() -> int:
    started = time.monotonic()
    base_db = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    db_url, admin_url, db_name = _fuzz_database_url(base_db)
    workdir = Path(tempfile.mkdtemp(prefix="lora-fuzz-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
        "DATABASE_URL": db_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "LORA_REDIS_PREFIX": f"fuzz:{uuid.uuid4().hex[:12]}:",
        "LORA_VAR_DIR": str(workdir / "var"),
        "DJANGO_DEBUG": "1",
        # The fuzzer is one user sending thousands of requests: per-user rates stay on, but
        # high enough not to turn the run into 429s. Sign-in limits keep their defaults.
        "LORA_USER_RATE": "100000/min",
        # Expected 4xx replies are logged as warnings; only errors belong in the output.
        "LORA_LOG_LEVEL": "ERROR",
    }
    _recreate_database(admin_url, db_name)
    server: subprocess.Popen[bytes] | None = None
    codes: dict[str, int] = {"setup": 1}
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        seeded = json.loads(
            subprocess.run(
                [sys.executable, str(ROOT / "tests" / "fuzz" / "seed.py")],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "backend.config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "3",
                "--threads",
                "4",
                "--timeout",
                "60",
                # Unlimited request line: the app answers 414 itself, in the error shape.
                "--limit-request-line",
                "0",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        _wait_ready(url, server)
        # Four runs at once (the machine is small; the server does the work): the user API
        # with the user's token; the worker API with one attempt's token; the fleet
        # registration with the workers' shared secret; and the two calls that end an attempt
        # (complete, fail) with another attempt's token, so that ending it early does not leave
        # the other worker endpoints answering only 401.
        # name: (Authorization header, paths covered, the job its `job_id` is pinned to)
        plan = {
            "user-api": (f"Token {seeded['user_token']}", r"^/api/(auth|training)/", "job_id"),
            "worker-api": (
                f"Bearer {seeded['worker_token']}",
                r"^/api/worker/jobs/.*/(?!complete$|fail$)[a-z-]+(/\{step\})?$",
                "job_id",
            ),
            "fleet": (f"Bearer {seeded['worker_secret']}", r"^/api/worker/fleet/", "job_id"),
            "worker-end": (
                f"Bearer {seeded['end_token']}",
                r"^/api/worker/.*/(complete|fail)$",
                "end_job_id",
            ),
        }
        runs = {
            name: _schemathesis(
                url,
                header,
                include=include,
                workdir=workdir,
                name=name,
                env={**env, "FUZZ_JOB_ID": seeded[job_key], "FUZZ_STEP": "1"},
            )
            for name, (header, include, job_key) in plan.items()
        }
        codes = {name: run.wait() for name, run in runs.items()}
        for name in runs:
            print(f"\n== schemathesis: {name} (exit {codes[name]}) ==", flush=True)
            print((workdir / f"{name}.log").read_text(errors="replace")[-20000:], flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _recreate_database(admin_url, db_name, drop_only=True)
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nfuzzing took {time.monotonic() - started:.0f} s", flush=True)
    failed = [name for name, code in codes.items() if code]
    print(f"schemathesis failed: {', '.join(failed)}" if failed else "schemathesis: 0 failures")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
