"""Load benchmark: simulated GPU workers and dashboards against gunicorn + PostgreSQL + Redis.

For `--seconds` (default 60) on this machine, over loopback only:

- `--workers` (200) simulated workers, each with its own running job and attempt token, report
  one metric point a second (`POST .../metrics`) and a batch of events every 5 s
  (`POST .../events`); a failed or timed-out report is retried as the real worker does (same
  steps, same event seqs: the API must store each exactly once);
- `--pollers` (100) dashboards, each its own user with a personal API token, poll every 2 s
  what the dashboard polls: the active jobs list, one job's detail and its metrics.

Then it prints requests/s, the error rate and p50/p95/p99 per endpoint, and checks in the
database that every reported metric point and event is stored exactly once. Targets: error rate
< 0.1%, p95 of the polled endpoints < 200 ms, nothing lost or duplicated (exit 1 otherwise).

    .venv/bin/python bench/load_bench.py [--seconds 60] [--workers 200] [--pollers 100]

A scratch database `<DATABASE_URL's name>_load` is created and dropped; Redis keys get a
private prefix. Everything stops by itself: the run has a deadline, every request a timeout.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import requests

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
POLLED = ("GET jobs (active)", "GET job detail", "GET job metrics")

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

    def record(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.latencies[name].append(seconds)
            if not ok:
                self.errors[name] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{name}: {detail[:200]}")


def _timed(
    stats: Stats, name: str, session: requests.Session, method: str, url: str, **kw: Any
) -> requests.Response | None:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=REQUEST_TIMEOUT, **kw)
    except requests.RequestException as exc:
        stats.record(name, time.perf_counter() - started, False, repr(exc))
        return None
    ok = response.status_code < 400
    stats.record(name, time.perf_counter() - started, ok, f"{response.status_code} {response.text}")
    return response


def _worker(
    base: str, spec: dict[str, Any], deadline: float, stats: Stats, sent: dict[str, Any]
) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {spec['token']}"
    url = f"{base}/api/worker/jobs/{spec['job_id']}/"
    fenced = {"attempt": spec["attempt"], "fence": spec["fence"]}
    while time.monotonic() < deadline:
        claim = {"attempt": spec["attempt"]}
        if _timed(stats, "POST claim", session, "POST", url + "claim", json=claim):
            break
        time.sleep(1)
    step, seq = 0, 0
    time.sleep(random.random())  # spread the workers over the second
    next_tick = time.monotonic()
    while time.monotonic() < deadline:
        step += 1
        point = {"step": step, "train_loss": 2.0 / step, "learning_rate": 1e-4, "epoch": 0.0}
        # A report that failed is retried (idempotent: same step) until it is stored.
        while time.monotonic() < deadline + 30:
            body = {**fenced, "points": [point]}
            response = _timed(stats, "POST metrics", session, "POST", url + "metrics", json=body)
            if response is not None and response.status_code == 200:
                sent["points"][spec["job_id"]] = step
                break
        if step % 5 == 0:
            batch = [
                {"seq": seq + i, "type": "info", "message": f"step {step} note {i}"}
                for i in range(1, 6)
            ]
            while time.monotonic() < deadline + 30:
                body = {**fenced, "events": batch}
                response = _timed(stats, "POST events", session, "POST", url + "events", json=body)
                if response is not None and response.status_code == 200:
                    seq += 5
                    sent["events"][spec["job_id"]] = seq
                    break
        next_tick += 1.0
        time.sleep(max(0.0, next_tick - time.monotonic()))


def _poller(base: str, token: str, job_ids: list[str], deadline: float, stats: Stats) -> None:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    time.sleep(random.random() * 2)
    next_tick = time.monotonic()
    while time.monotonic() < deadline:
        job_id = random.choice(job_ids)
        _timed(stats, POLLED[0], session, "GET", f"{base}/api/training/jobs?status=active")
        _timed(stats, POLLED[1], session, "GET", f"{base}/api/training/jobs/{job_id}")
        _timed(stats, POLLED[2], session, "GET", f"{base}/api/training/jobs/{job_id}/metrics")
        next_tick += 2.0
        time.sleep(max(0.0, next_tick - time.monotonic()))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _drive(
    base: str, seeded: dict[str, Any], seconds: float
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
        threading.Thread(target=_poller, args=(base, t, job_ids, deadline, stats), daemon=True)
        for t in seeded["tokens"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline + 60 - time.monotonic()))
    return stats, sent, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--pollers", type=int, default=100)
    parser.add_argument("--web-workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--web-threads", type=int, default=8, help="threads per process")
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
            stats, sent, elapsed = _drive(base, seeded, args.seconds)
        stored = run_json([sys.executable, "-c", COUNT_SCRIPT], env)

    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(stats.errors.values())
    print(
        f"\n{args.workers} workers at 1 Hz + {args.pollers} dashboards every 2 s, "
        f"{elapsed:.0f} s, gunicorn {args.web_workers}x{args.web_threads} threads, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"requests: {total}  ({total / elapsed:.0f}/s)   errors: {errors} "
        f"({errors / max(total, 1):.3%})"
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
