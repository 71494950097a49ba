"""Load benchmark: simulated GPU workers and dashboards against gunicorn + PostgreSQL + Redis.

For `--seconds` (default 60) on this machine, over loopback only:

- `--workers` (200) simulated workers, each with its own running job and attempt token, report
  one metric point a second (`POST .../metrics`) and a batch of events every 5 s
  (`POST .../events`); a failed or timed-out report is retried as the real worker does (same
  steps, same event seqs: the API must store each exactly once);
- `--pollers` (100) dashboards, each its own user with a personal API token and one running
  job's page open, poll what the web app polls there, at the web app's own intervals: the job's
  event log every 10 s; its detail, its metrics (a downsampled overview first, then only newer
  steps) and the active jobs list every 60 s. `--poll-every N` polls all four every N seconds
  instead, a stress far beyond what the app sends.

The workers claim their attempts first (8 at a time, not measured): the run measures jobs
training, not 200 workers starting in one second. Then it prints requests/s, the error rate
and p50/p95/p99 per endpoint, and checks in the database that every reported metric point
and event is stored exactly once. Targets: error rate < 0.1%, p95 of the polled endpoints
< 200 ms, nothing lost or duplicated (exit 1 otherwise).

    .venv/bin/python bench/load_bench.py [--seconds 60] [--workers 200] [--pollers 100]

A scratch database `<DATABASE_URL's name>_load` is created and dropped; Redis keys get a
private prefix. Everything stops by itself: the run has a deadline, every request a timeout.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_server import (  # noqa: E402  (run as a script: the repository root first)
    gunicorn_server,
    migrate,
    run_json,
    scratch_database,
    stack_env,
)

TARGET_ERROR_RATE = 0.001
TARGET_POLL_P95_MS = 200.0
REQUEST_TIMEOUT = 10.0
POLLED = ("GET jobs (active)", "GET job detail", "GET job metrics", "GET job events")

SEED_SCRIPT = """
import json, django
django.setup()
from backend.accounts.services import api_token_create
from backend.scheduling.models import SchedulerSettings
from tests.attempts import attempt_start
from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory, UserFactory
s = SchedulerSettings.load(); s.concurrency_limit = 0; s.save()
GpuTypeFactory()
owner = UserFactory(username="owner")
dataset = DatasetFactory(uploaded_by=owner)
workers = []
for i in range(%(workers)d):
    st = attempt_start(JobFactory(created_by=owner, dataset=dataset, total_steps=100000))
    workers.append({"job_id": st.job_id, "attempt": st.attempt, "fence": st.fence,
                    "token": st.token})
tokens = [api_token_create(user=UserFactory(username=f"dash{i}"), name="bench")[1]
          for i in range(%(pollers)d)]
print(json.dumps({"workers": workers, "tokens": tokens}))
"""

COUNT_SCRIPT = """
import json, django
django.setup()
from django.db.models import Count
from backend.telemetry.models import Event, MetricPoint
points = {str(r["job_id"]): [r["n"], r["d"]] for r in MetricPoint.objects.values("job_id")
          .annotate(n=Count("id"), d=Count("step", distinct=True))}
events = {str(r["job_id"]): [r["n"], r["d"]] for r in Event.objects.filter(worker_seq__isnull=False)
          .values("job_id").annotate(n=Count("id"), d=Count("worker_seq", distinct=True))}
print(json.dumps({"points": points, "events": events}))
"""


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_samples: list[str] = []
        self.client_cpu = 0.0  # CPU seconds this generator itself used while driving

    def record(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            if not ok:
                self.errors[name] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{name}: {detail[:200]}")


class Client:
    """One keep-alive HTTP/1.1 connection, as a worker's or a dashboard's session is.

    Plain `http.client`: the generator shares the machine with the server it measures, and
    `requests` spent ~2 ms of CPU per request here (a fifth of the machine at this load).
    A broken connection is reopened on the next request; a request that finds its idle
    connection closed by the server is sent once more on a new one.
    """

    def __init__(self, base: str, authorization: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = {"Authorization": authorization, "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        reused = self.conn is not None
        try:
            return self._send(method, path, data)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not reused:
                raise
            # The server closed the idle keep-alive connection (gunicorn's keepalive timeout)
            # before this request reached it: send it again on a new one, as browsers do.
            return self._send(method, path, data)

    def _send(self, method: str, path: str, data: bytes | None) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise


def _timed(
    stats: Stats, name: str, client: Client, method: str, path: str, body: Any = None
) -> int | None:
    """The request's status (None when it failed without one), timed into `stats`."""
    started = time.perf_counter()
    try:
        status, content = client.request(method, path, body)
    except (OSError, http.client.HTTPException) as exc:
        stats.record(name, time.perf_counter() - started, False, repr(exc))
        return None
    ok = status < 400
    stats.record(name, time.perf_counter() - started, ok, f"{status} {content[:200]!r}")
    return status


def _worker(
    base: str, spec: dict[str, Any], deadline: float, stats: Stats, sent: dict[str, Any]
) -> None:
    client = Client(base, f"Bearer {spec['token']}")
    url = f"/api/worker/jobs/{spec['job_id']}/"
    fenced = {"attempt": spec["attempt"], "fence": spec["fence"]}
    step, seq = 0, 0
    # Jobs do not train in step with each other: each worker reports at its own moment of the
    # second and sends its events in its own one of every five seconds.
    events_phase = random.randrange(5)
    time.sleep(random.random())
    next_tick = time.monotonic()
    while time.monotonic() < deadline:
        step += 1
        point = {"step": step, "train_loss": 2.0 / step, "learning_rate": 1e-4, "epoch": 0.0}
        # A report that failed is retried (idempotent: same step) until it is stored.
        while time.monotonic() < deadline + 30:
            body = {**fenced, "points": [point]}
            if _timed(stats, "POST metrics", client, "POST", url + "metrics", body) == 200:
                sent["points"][spec["job_id"]] = step
                break
        if (step + events_phase) % 5 == 0:
            batch = [
                {"seq": seq + i, "type": "info", "message": f"step {step} note {i}"}
                for i in range(1, 6)
            ]
            while time.monotonic() < deadline + 30:
                body = {**fenced, "events": batch}
                if _timed(stats, "POST events", client, "POST", url + "events", body) == 200:
                    seq += 5
                    sent["events"][spec["job_id"]] = seq
                    break
        next_tick += 1.0
        time.sleep(max(0.0, next_tick - time.monotonic()))


# The web app's own polling intervals (frontend: ACTIVE_REFRESH_MS in get-jobs.ts,
# DASHBOARD_REFRESH_MS in get-job.ts, get-metrics.ts, EVENTS_REFRESH_MS in get-events.ts).
APP_INTERVALS = {POLLED[0]: 60.0, POLLED[1]: 60.0, POLLED[2]: 60.0, POLLED[3]: 10.0}


def _poller(
    base: str, token: str, job_id: str, deadline: float, stats: Stats, every: float
) -> None:
    """One person with a job's page open: each of its queries refetched on its own timer (the
    web app's intervals, or all every `every` seconds), from a random phase, as the page has
    been open for a while."""
    client = Client(base, f"Token {token}")
    job = f"/api/training/jobs/{job_id}"
    last_step: int | None = None

    def metrics_path() -> str:
        # The dashboard loads a downsampled overview once, then asks only for newer steps.
        return job + (
            "/metrics?max_points=1000" if last_step is None else f"/metrics?after_step={last_step}"
        )

    paths = {
        POLLED[0]: lambda: "/api/training/jobs?status=active",
        POLLED[1]: lambda: job,
        POLLED[2]: metrics_path,
        POLLED[3]: lambda: job + "/events?page=1&page_size=50",
    }
    intervals = {name: every or APP_INTERVALS[name] for name in POLLED}
    now = time.monotonic()
    due = {name: now + random.random() * intervals[name] for name in POLLED}
    while True:
        name = min(due, key=due.__getitem__)
        if due[name] >= deadline:
            return
        time.sleep(max(0.0, due[name] - time.monotonic()))
        started = time.perf_counter()
        try:
            status, content = client.request("GET", paths[name]())
        except (OSError, http.client.HTTPException) as exc:
            stats.record(name, time.perf_counter() - started, False, repr(exc))
        else:
            stats.record(
                name, time.perf_counter() - started, status < 400, f"{status} {content[:200]!r}"
            )
            if name == POLLED[2] and status == 200:
                steps = [p["step"] for p in json.loads(content)["points"]]
                last_step = max(steps, default=last_step)
        due[name] += intervals[name]


def _processes_cpu(base: str) -> tuple[float, float]:
    """CPU seconds used so far by (the gunicorn processes serving `base`, PostgreSQL), from
    /proc. PostgreSQL's count includes the backends that already ended (their CPU is added to
    the postmaster's children's time when it reaps them): connections come and go in a run."""
    bind = f"--bind {urlsplit(base).netloc}".encode()
    web = database = 0
    stats: dict[str, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            is_database = (entry / "comm").read_text().strip() == "postgres"
            if not is_database and bind not in (entry / "cmdline").read_bytes().replace(
                b"\0", b" "
            ):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if is_database:
            stats[entry.name] = fields
        else:
            web += int(fields[11]) + int(fields[12])  # utime, stime
    for fields in stats.values():
        database += int(fields[11]) + int(fields[12])
        if fields[1] not in stats:  # the postmaster: its parent is not PostgreSQL
            database += int(fields[13]) + int(fields[14])  # cutime, cstime
    tick = os.sysconf("SC_CLK_TCK")
    return web / tick, database / tick


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


def _reference_ms() -> float:
    """CPU milliseconds of a fixed pure-Python workload, best of 5: this VM's speed drifts by
    ±15% from one minute to the next, and the server's CPU per request drifts with it, so a
    run's figures are comparable with another's only alongside this number."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        counts: dict[int, int] = {}
        for i in range(300_000):
            counts[i % 1000] = counts.get(i % 1000, 0) + i
        best = min(best, time.process_time() - started)
    return best * 1000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _claim_all(base: str, workers: list[dict[str, Any]], deadline: float) -> float:
    """Every worker claims its attempt, 8 at a time, before the measured run: the bench
    measures 200 jobs training, not 200 workers starting in the same second. Seconds taken."""
    started = time.monotonic()

    def claim(spec: dict[str, Any]) -> None:
        client = Client(base, f"Bearer {spec['token']}")
        url = f"/api/worker/jobs/{spec['job_id']}/claim"
        while time.monotonic() < deadline:
            try:
                if client.request("POST", url, {"attempt": spec["attempt"]})[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(1)
        raise SystemExit(f"job {spec['job_id']}: the claim did not succeed")

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(claim, workers))
    return time.monotonic() - started


def _drive(
    base: str, seeded: dict[str, Any], seconds: float, poll_every: float
) -> tuple[Stats, dict[str, dict[str, int]], float]:
    """Run the workers and the dashboards until the deadline; (stats, acknowledged, elapsed)."""
    stats = Stats()
    sent: dict[str, dict[str, int]] = {"points": {}, "events": {}}
    started = time.monotonic()
    deadline = started + seconds
    job_ids = [w["job_id"] for w in seeded["workers"]]
    threads = [
        threading.Thread(target=_worker, args=(base, w, deadline, stats, sent), daemon=True)
        for w in seeded["workers"]
    ] + [
        threading.Thread(
            target=_poller,
            args=(base, t, random.choice(job_ids), deadline, stats, poll_every),
            daemon=True,
        )
        for t in seeded["tokens"]
    ]
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline + 60 - time.monotonic()))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    stats.client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    return stats, sent, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument(
        "--poll-every",
        type=float,
        default=0.0,
        help="seconds between a dashboard's polls of each query (default: the web app's own "
        "intervals, 10 s for events and 60 s for the rest)",
    )
    # The Docker image's web server (backend/deploy/Dockerfile): 4 processes of 4 threads.
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per process")
    args = parser.parse_args()

    with scratch_database("load") as db_url:
        env = stack_env(
            database_url=db_url,
            redis_prefix="loadbench",
            var_dir=ROOT / "var" / "load-bench",
            # WhiteNoise warns once per process that no static files were collected.
            PYTHONWARNINGS="ignore::UserWarning",
            # persistent database connections, as in production
            LORA_DB_CONN_MAX_AGE="60",
        )
        migrate(env)
        seed = SEED_SCRIPT % {"workers": args.workers, "pollers": args.pollers}
        seeded = run_json([sys.executable, "-c", seed], env)
        with gunicorn_server(env, workers=args.web_workers, threads=args.web_threads) as base:
            claimed_in = _claim_all(base, seeded["workers"], time.monotonic() + 120)
            reference_before = _reference_ms()
            cpu_before, machine_before = _processes_cpu(base), _machine_busy()
            stats, sent, elapsed = _drive(base, seeded, args.seconds, args.poll_every)
            cpu_after = _processes_cpu(base)
            server_cpu = cpu_after[0] - cpu_before[0]
            database_cpu = cpu_after[1] - cpu_before[1]
            machine_after = _machine_busy()
            reference_after = _reference_ms()
        stored = run_json([sys.executable, "-c", COUNT_SCRIPT], env)

    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(
        f"\n{args.workers} workers at 1 Hz + {args.pollers} dashboards polling "
        + (f"every {args.poll_every:g} s" if args.poll_every else "at the web app's intervals")
        + ", "
        f"{elapsed:.0f} s, gunicorn {args.web_workers}x{args.web_threads} threads, "
        f"{os.cpu_count()} CPUs (the {args.workers} claims before it took {claimed_in:.1f} s)"
    )
    print(
        f"requests: {total}  ({total / elapsed:.0f}/s)   errors: {errors} "
        f"({errors / max(total, 1):.3%})"
    )
    busy = machine_after[0] - machine_before[0]
    wall = machine_after[1] - machine_before[1]
    print(
        f"CPU: machine {busy / max(wall, 1e-9):.0%} busy; web server {server_cpu:.1f} s "
        f"({1000 * server_cpu / max(total, 1):.2f} ms a request); PostgreSQL {database_cpu:.1f} s "
        f"({1000 * database_cpu / max(total, 1):.2f} ms a request); this generator "
        f"{stats.client_cpu:.1f} s ({1000 * stats.client_cpu / max(total, 1):.2f} ms a request)"
    )
    print(
        f"machine speed: a reference loop took {reference_before:.0f} ms before the run and "
        f"{reference_after:.0f} ms after (lower is faster; CPU per request scales with it)"
    )
    print(f"{'endpoint':<22}{'count':>8}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name in sorted(stats.latencies):
        values = stats.latencies[name]
        print(
            f"{name:<22}{len(values):>8}{stats.errors[name]:>8}"
            f"{_percentile(values, 0.5):>9.1f}{_percentile(values, 0.95):>9.1f}"
            f"{_percentile(values, 0.99):>9.1f}"
        )
    for sample in stats.error_samples:
        print("  error:", sample)

    problems = []
    for job_id, last in sent["points"].items():
        n, distinct = stored["points"].get(job_id, [0, 0])
        if n != last or distinct != last:
            problems.append(f"job {job_id}: {last} points acknowledged, {n} stored")
    for job_id, last in sent["events"].items():
        n, distinct = stored["events"].get(job_id, [0, 0])
        if n != last or distinct != last:
            problems.append(f"job {job_id}: {last} events acknowledged, {n} stored")
    points = sum(sent["points"].values())
    events = sum(sent["events"].values())
    print(
        f"stored exactly once: {points} metric points, {events} events"
        + ("" if not problems else f"  MISMATCHES: {len(problems)}")
    )
    for problem in problems[:10]:
        print("  ", problem)

    poll_p95 = max(_percentile(stats.latencies[n], 0.95) for n in POLLED if stats.latencies[n])
    verdict = {
        f"error rate < {TARGET_ERROR_RATE:.1%}": errors / max(total, 1) < TARGET_ERROR_RATE,
        f"polled p95 < {TARGET_POLL_P95_MS:.0f} ms": poll_p95 < TARGET_POLL_P95_MS,
        "nothing lost or duplicated": not problems,
    }
    for name, ok in verdict.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
