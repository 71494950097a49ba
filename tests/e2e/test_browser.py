"""Browser tests: Debian's Chromium (driven by playwright-core) against the real running stack.

The fixture starts what `make run` starts (`manage.py run_all`: gunicorn serving the API and the
built SPA, the scheduler, one Celery training worker per slot) against a database and a Redis db
of its own, so it runs beside other test runs. The test seeds real users and jobs through the
services (tests/e2e/browser_seed.py) and runs the journeys in tests/e2e/browser/journey.mjs
between the seeding phases. Each of the spec's 15 pages ("Step 3.2: Page Count Reduction") is
saved as a screenshot in tests/e2e/screenshots/ (git-ignored).

Needs: the built SPA (frontend/dist), /usr/bin/chromium, and `npm ci` in tests/e2e/browser.
`make test` (or `make test-e2e`) prepares all three.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psutil
import psycopg
import pytest
import redis

from tests.e2e.test_make_run import Output, _descendants, _free_port

REPO = Path(__file__).resolve().parents[2]
BROWSER_DIR = REPO / "tests" / "e2e" / "browser"
SCREENSHOTS = REPO / "tests" / "e2e" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
REDIS_DB = 11
STARTUP_TIMEOUT = 180.0
PHASE_TIMEOUT = 420.0

# The spec's 15 pages, by the file names the journeys save them under.
PAGES = (
    "01-jobs-list-mixed-filtered",
    "02-jobs-list-active-filtered",
    "03-jobs-list-empty",
    "04-queue-normal",
    "05-queue-empty",
    "06-dashboard-initial-load",
    "07-dashboard-active",
    "08-dashboard-loss-zoomed",
    "09-dashboard-cost-warning",
    "10-dashboard-completed",
    "11-dashboard-failed",
    "12-dashboard-mobile",
    "13-event-log-mixed-expanded",
    "14-event-log-errors",
    "15-cancel-modal",
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.timeout(int(STARTUP_TIMEOUT + 3 * PHASE_TIMEOUT + 240)),
    pytest.mark.skipif(
        not (REPO / "frontend" / "dist" / "index.html").exists(),
        reason="the SPA is not built (frontend/dist): run `make test-e2e` or `make frontend`",
    ),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir() or not shutil.which("node"),
        reason="playwright-core is not installed: `npm ci` in tests/e2e/browser (make test-e2e)",
    ),
]


@dataclass
class Stack:
    base_url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    output: Output
    var_dir: Path
    ids: dict[str, Any] = field(default_factory=dict)

    def logs(self) -> str:
        parts = [f"--- run_all\n{self.output.text()[-4000:]}"]
        for log in sorted((self.var_dir / "log").glob("*.log")):
            parts.append(f"--- {log.name} (tail)\n{log.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)


@contextlib.contextmanager
def _fresh_database() -> Iterator[str]:
    """A new PostgreSQL database on the suite's server, dropped afterwards."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    cfg = dj_database_url.parse(base)
    name = f"e2e_browser_{os.getpid()}"
    conninfo = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": cfg["PORT"] or 5432,
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**conninfo) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(base)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(**conninfo) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _redis_url() -> str:
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    return urlunsplit(urlsplit(base)._replace(path=f"/{REDIS_DB}"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("browser-stack")
    redis_url = _redis_url()
    client = redis.Redis.from_url(redis_url)
    client.flushdb()  # a broker queue left by an earlier, killed run would start stale jobs
    port = _free_port()
    with _fresh_database() as database_url:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "LORA_")) and k != "DJANGO_SETTINGS_MODULE"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="backend.config.settings.local",
            DJANGO_DEBUG="0",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            LORA_VAR_DIR=str(var_dir),
            LORA_API_URL=f"http://127.0.0.1:{port}",
            LORA_REDIS_PREFIX=f"lora-e2e-browser-{os.getpid()}:",
            # Two slots, so five more jobs wait in the queue; fast heartbeats and scheduling so a
            # cancel is confirmed and a freed slot refilled within seconds.
            LORA_CONCURRENCY_LIMIT="2",
            LORA_HEARTBEAT_SECONDS="2",
            LORA_LEASE_TTL_SECONDS="30",
            LORA_DISPATCH_INTERVAL_SECONDS="1",
            LORA_REAP_INTERVAL_SECONDS="2",
            PYTHONUNBUFFERED="1",
        )
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_all", "--no-demo", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output = Output(process.stdout)
        stack = Stack(f"http://127.0.0.1:{port}", env, process, output, var_dir)
        try:
            output.wait_for(r"^Press Ctrl-C to stop\.$", STARTUP_TIMEOUT, process)
            yield stack
        finally:
            started = _descendants(process.pid)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)  # run_all stops its children in order
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=40)
            for leftover in started:
                with contextlib.suppress(psutil.NoSuchProcess):
                    leftover.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            client.flushdb()


def _seed(stack: Stack, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.e2e.browser_seed", *args],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=PHASE_TIMEOUT,
    )
    if result.returncode != 0:
        pytest.fail(f"seeding {args} failed:\n{result.stdout}\n{result.stderr}\n{stack.logs()}")
    last = [line for line in result.stdout.splitlines() if line.startswith("{")][-1]
    data: dict[str, Any] = json.loads(last)
    return data


def _journey(stack: Stack, phase: str, extra: dict[str, str], script: str = "journey.mjs") -> float:
    """Run one phase of a browser script in tests/e2e/browser/ (each feature keeps its own)."""
    users = stack.ids["users"]
    env = {
        **os.environ,
        "PHASE": phase,
        "BASE_URL": stack.base_url,
        "SCREENSHOT_DIR": str(SCREENSHOTS),
        "CHROMIUM_PATH": str(CHROMIUM),
        "MEMBER_USER": users["elena"]["username"],
        "MEMBER_PASS": users["elena"]["password"],
        "MANAGER_USER": users["maya"]["username"],
        "MANAGER_PASS": users["maya"]["password"],
        **extra,
    }
    started = time.monotonic()
    try:
        result = subprocess.run(
            ["node", script],
            cwd=BROWSER_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=PHASE_TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"browser phase {phase} timed out:\n{exc.stdout}\n{exc.stderr}\n{stack.logs()}")
    sys.stdout.write(f"--- browser phase {phase}\n{result.stdout}")
    if result.returncode != 0:
        pytest.fail(
            f"browser phase {phase} failed ({result.returncode}):\n{result.stdout}\n"
            f"{result.stderr}\n{stack.logs()}"
        )
    return time.monotonic() - started


def test_browser_journeys_against_real_training(stack: Stack) -> None:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    timings: dict[str, float] = {}
    started = time.monotonic()
    stack.ids["users"] = _seed(stack, "users")

    # No jobs yet: the empty list and the empty queue.
    timings["browser: empty"] = _journey(stack, "empty", {})

    # A failing, a quick and an over-budget job; the browser watches the quick one complete.
    mark = time.monotonic()
    first = _seed(stack, "first")
    timings["seed: first jobs training"] = time.monotonic() - mark
    common = {"JOB_QUICK": first["quick"], "JOB_FAILED": first["failed"]}
    timings["browser: progress"] = _journey(stack, "progress", common)

    # The live job and five queued behind the two slots: list, queue, dashboard, event log,
    # cancel; then the over-budget and the failed job.
    mark = time.monotonic()
    second = _seed(stack, "second", first["dataset"], first["budget"])
    timings["seed: live job training"] = time.monotonic() - mark
    timings["browser: main"] = _journey(
        stack,
        "main",
        {
            **common,
            "JOB_BUDGET": first["budget"],
            "JOB_LIVE": second["live"],
            "JOB_QUEUED": ",".join(second["queued"]),
        },
    )

    timings["total (after start-up)"] = time.monotonic() - started
    sys.stdout.write("".join(f"  {k:<28} {v:6.1f}s\n" for k, v in timings.items()))
    sys.stdout.write(f"  screenshots in {SCREENSHOTS}\n")

    missing = [name for name in PAGES if not (SCREENSHOTS / f"{name}.png").is_file()]
    assert not missing, f"screenshots missing: {missing}"
    for name in PAGES:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, f"{name}.png looks blank"


# Issue #13 (duplicate a job, partial artifacts) and #15 (bulk actions, CSV): their own script.
ARTIFACT_PAGES = (
    "artifacts-01-duplicate-form",
    "artifacts-02-cloned-job",
    "artifacts-03-cancelled-checkpoints",
    "artifacts-04-bulk-selection",
    "artifacts-05-bulk-result",
)


def test_browser_artifacts_and_bulk(stack: Stack) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if "users" not in stack.ids:  # run on its own (-k): the journeys above did not seed them
        stack.ids["users"] = _seed(stack, "users")
    seeded = _seed(stack, "artifacts")
    _journey(
        stack,
        "artifacts",
        {"JOB_FAILED": seeded["failed"], "JOB_CANCELLED": seeded["cancelled"]},
        script="artifacts.mjs",
    )
    jobs = _seed(stack, "bulk")
    _journey(
        stack,
        "bulk",
        {
            "JOB_CANCELLED": seeded["cancelled"],
            "JOBS_MINE": ",".join(jobs["mine"]),
            "JOB_THEIRS": jobs["theirs"],
        },
        script="artifacts.mjs",
    )
    _seed(stack, "settle")  # the manager's bulk job the member could not cancel
    for name in ARTIFACT_PAGES:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, f"{name}.png looks blank"


# FR2.2.2's five pages, saved by tests/e2e/browser/pause.mjs.
PAUSE_PAGES = (
    "pause-01-training-with-pause-button",
    "pause-02-confirmation",
    "pause-03-paused-state",
    "pause-04-resume-modal-gpu-switch",
    "pause-05-multi-pause-timeline",
)


def test_browser_pause_and_resume_against_real_training(stack: Stack) -> None:
    """Pause a training job from its dashboard, resume it (the GPU switch shown in the modal),
    pause it again and read both pauses in the history; then cancel it while paused."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seeded = _seed(stack, "pause")
    if seeded["users"]:  # this test ran on its own: the stack had no users yet
        stack.ids["users"] = seeded["users"]
    elapsed = _journey(stack, "pause", {"JOB_PAUSE": seeded["job"]}, script="pause.mjs")
    sys.stdout.write(f"  browser: pause {elapsed:6.1f}s\n")
    missing = [name for name in PAUSE_PAGES if not (SCREENSHOTS / f"{name}.png").is_file()]
    assert not missing, f"screenshots missing: {missing}"
    for name in PAUSE_PAGES:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, f"{name}.png looks blank"


# The pages tests/e2e/browser/ux.mjs saves (phones, the create form's draft, dark mode).
UX_SHOTS = (
    "ux-mobile-menu",
    "ux-mobile-event-expanded",
    "ux-mobile-card-sort",
    "ux-create-bounds",
    "ux-create-draft",
    "ux-cancel-other-note",
    "ux-dark-jobs-list",
    "ux-dark-dashboard",
)


def test_browser_ux_accessibility_mobile_and_forms(stack: Stack) -> None:
    """ux.mjs: axe-core on every page (light and dark, 0 serious/critical), the 375 px menu,
    readable expanded events, the card list's sort, the create form's bounds and draft, the cancel
    note rule, signed-out redirects, dark mode."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    seeded = _seed(stack, "ux")
    if "users" not in stack.ids:  # run on its own (-k): the seed made the users
        stack.ids["users"] = seeded["users"]
    took = _journey(
        stack,
        "ux",
        {"JOB_CANCEL": seeded["cancel"], "JOB_EVENTS": seeded["events"]},
        script="ux.mjs",
    )
    sys.stdout.write(f"  browser: ux {took:6.1f}s\n")
    missing = [name for name in UX_SHOTS if not (SCREENSHOTS / f"{name}.png").is_file()]
    assert not missing, f"screenshots missing: {missing}"
    report = json.loads((SCREENSHOTS / "ux-axe-report.json").read_text())
    # Every page of the app, light and dark, checked and clean of serious/critical violations.
    for theme in ("light", "dark"):
        for page in ("sign-in", "jobs-list", "queue", "create-form", "dashboard", "event-log",
                     "cancel-modal", "api-tokens", "not-found", "mobile-menu"):  # fmt: skip
            name = f"{page} {theme}"
            assert name in report, f"axe did not check {name}"
            violations = report[name]["violations"]
            serious = [v for v in violations if v["impact"] in ("serious", "critical")]
            assert serious == [], (name, serious)


DASH_SHOTS = ("dash-compare", "dash-offline", "dash-job-charts")


def test_browser_dash_compare_runs_and_offline(stack: Stack) -> None:
    """The comparison page (two real runs, by step and by tokens, a shareable URL), the job
    page's charts and event log from a real run, and the offline banner (tests/e2e/browser/
    dash.mjs)."""
    if "users" not in stack.ids:  # run on its own
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        stack.ids["users"] = _seed(stack, "users")
    runs = _seed(stack, "dash")["runs"]
    _journey(stack, "dash", {"JOB_RUNS": ",".join(runs)}, script="dash.mjs")
    for name in DASH_SHOTS:
        path = SCREENSHOTS / f"{name}.png"
        assert path.is_file(), f"{name}.png missing"
        assert path.stat().st_size > 10_000, f"{name}.png looks blank"


def _webhook_receiver() -> tuple[Any, list[dict[str, Any]]]:
    """A local HTTP endpoint that records every delivery (raw body and headers) with 200."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append({"body": body, "headers": dict(self.headers), "at": time.time()})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def test_browser_logs_notifications_webhooks(stack: Stack, tmp_path: Path) -> None:
    """The Logs tab follows a running job; "notify me" shows a browser notification when it
    ends; a team webhook made in the UI reaches a local receiver, signed (verified here)."""
    from backend.notifications.signing import verify

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if "users" not in stack.ids:
        stack.ids["users"] = _seed(stack, "users")
    server, received = _webhook_receiver()
    secret_file = tmp_path / "webhook-secret"
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks/lora"
        _journey(
            stack,
            "webhooks",
            {"RECEIVER_URL": url, "WEBHOOK_SECRET_FILE": str(secret_file)},
            script="notify.mjs",
        )
        job = _seed(stack, "notify")["job"]
        _journey(stack, "logs", {"JOB_NOTIFY": job}, script="notify.mjs")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(received) < 2:
            time.sleep(0.5)
    finally:
        server.shutdown()
        server.server_close()

    secret = secret_file.read_text().strip()
    seen: dict[str, float] = {}
    events = []
    for item in received:
        headers = {k.lower(): v for k, v in item["headers"].items()}
        # Every delivery is authentic and fresh, and none arrives twice.
        verify(
            secret=secret,
            body=item["body"],
            header=headers["x-lora-signature"],
            delivery_id=headers["x-lora-delivery"],
            now=item["at"],
            seen=seen,
        )
        body = json.loads(item["body"])
        assert body["id"] == headers["x-lora-delivery"] and body["event"] == headers["x-lora-event"]
        events.append((body["event"], body.get("job", {}).get("id")))
    assert events == [("webhook.test", None), ("job.completed", job)], events
    for name in (
        "notify-01-logs-following",
        "notify-02-logs-search",
        "notify-03-webhooks-delivery-log",
        "notify-04-job-ended-notified",
    ):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, f"{name}.png looks blank"


TEAM_PAGES = ("team-quota-refused", "team-low-priority-waiting", "team-budget-refused")


def test_team_controls_in_the_browser(stack: Stack) -> None:
    """Priority control, quota and budget refusals, and a job held back by its owner's running
    limit (tests/e2e/browser/team.mjs, seeded by browser_seed.py `team`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if "users" not in stack.ids:  # run on its own
        stack.ids["users"] = _seed(stack, "users")
    team = _seed(stack, "team")
    try:
        _journey(
            stack,
            "controls",
            {
                "TEAM_LOW_JOB": team["low"],
                "TEAM_QUEUED": str(team["queued"]),
                "TEAM_DATASET": team["dataset"],
            },
            script="team.mjs",
        )
    finally:
        _seed(stack, "team_reset")  # the quotas would refuse later tests' jobs
    for name in TEAM_PAGES:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000, f"{name}.png looks blank"
