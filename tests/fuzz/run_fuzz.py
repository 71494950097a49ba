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

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.live_server import (  # noqa: E402  (run as a script: the repository root first)
    gunicorn_server,
    migrate,
    run_json,
    scratch_database,
    stack_env,
)

BIN = Path(sys.executable).parent
SEED = 20261130
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))


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
    workdir = Path(tempfile.mkdtemp(prefix="lora-fuzz-"))
    codes: dict[str, int] = {"setup": 1}
    try:
        with scratch_database("fuzz") as db_url:
            env = stack_env(
                database_url=db_url,
                redis_prefix="fuzz",
                var_dir=workdir / "var",
                DJANGO_DEBUG="1",
                # The fuzzer is one user sending thousands of requests: per-user rates stay on,
                # but high enough not to turn the run into 429s. Sign-in limits keep theirs.
                LORA_USER_RATE="100000/min",
            )
            migrate(env)
            seeded = run_json([sys.executable, str(ROOT / "tests" / "fuzz" / "seed.py")], env)
            with gunicorn_server(env, workers=3, threads=4) as url:
                codes = _fuzz(url, seeded, workdir, env)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nfuzzing took {time.monotonic() - started:.0f} s", flush=True)
    failed = [name for name, code in codes.items() if code]
    print(f"schemathesis failed: {', '.join(failed)}" if failed else "schemathesis: 0 failures")
    return 1 if failed else 0


def _fuzz(url: str, seeded: dict[str, str], workdir: Path, env: dict[str, str]) -> dict[str, int]:
    """The four schemathesis runs at once; their exit codes by name (logs printed)."""
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
    return codes


if __name__ == "__main__":
    sys.exit(main())
