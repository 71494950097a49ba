"""What one request to each hot endpoint of the load bench costs on the server: mean and p95
milliseconds, the server process's CPU milliseconds and SQL queries per request, measured
in-process (Django's full middleware, auth, throttling and views, against PostgreSQL and Redis)
one request at a time. CPU time and queries barely depend on how loaded the machine is with
other work; wall times do.

The endpoints are the ones `bench/load_bench.py` drives: a worker's metric report (one point,
as the bench's workers send each second) and event batch, and the four dashboard polls (active
jobs list, job detail, job metrics, the event log's first page).

    .venv/bin/python bench/endpoint_costs.py [--jobs 50] [--requests 200] [--profile DIR]
        [--show-queries]

`--profile DIR` writes a pyinstrument profile per endpoint, HTML and text (pyinstrument must be
importable; it is not a project dependency). A scratch database `<DATABASE_URL's name>_costs`
is created and dropped; Redis keys get a private prefix.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.live_server import migrate, scratch_database, stack_env  # noqa: E402


def _seed(jobs: int) -> dict[str, Any]:
    from backend.accounts.services import api_token_create
    from backend.scheduling.models import SchedulerSettings
    from tests.attempts import attempt_start
    from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory, UserFactory

    settings = SchedulerSettings.load()
    settings.concurrency_limit = 0
    settings.save()
    GpuTypeFactory()
    owner = UserFactory(username="owner")
    dataset = DatasetFactory(uploaded_by=owner)
    workers = []
    for _ in range(jobs):
        started = attempt_start(JobFactory(created_by=owner, dataset=dataset, total_steps=100000))
        workers.append(
            {"job_id": started.job_id, "attempt": started.attempt, "fence": started.fence,
             "token": started.token}
        )  # fmt: skip
    token = api_token_create(user=UserFactory(username="dash"), name="bench")[1]
    return {"workers": workers, "token": token}


def _measure(
    name: str,
    call: Callable[[int], Any],
    requests: int,
    profile_dir: Path | None,
    show_queries: bool,
) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(5):  # warm caches and connections
        call(-1 - i)
    if show_queries:
        with CaptureQueriesContext(connection) as captured:
            call(-10)
        print(f"-- {name}: {len(captured.captured_queries)} queries")
        for query in captured.captured_queries:
            print("  ", query["sql"][:300])
    times: list[float] = []
    cpu: list[float] = []
    queries: list[int] = []
    profiler = None
    if profile_dir is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    for i in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = call(i)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        if response.status_code >= 400:
            raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
        queries.append(len(captured.captured_queries))
    if profiler is not None and profile_dir is not None:
        profiler.stop()
        slug = name.lower().replace(" ", "-").replace("(", "").replace(")", "")
        (profile_dir / f"{slug}.html").write_text(profiler.output_html())
        (profile_dir / f"{slug}.txt").write_text(profiler.output_text(show_all=False))
    ordered = sorted(times)
    return {
        "endpoint": name,
        "mean_ms": round(statistics.mean(times), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "cpu_ms": round(statistics.mean(cpu), 2),
        "queries": round(statistics.mean(queries), 2),
    }


def _run(args: argparse.Namespace) -> list[dict[str, Any]]:
    import django

    django.setup()
    from django.test import Client

    seeded = _seed(args.jobs)
    workers = seeded["workers"]
    dashboard = Client(HTTP_AUTHORIZATION=f"Token {seeded['token']}")
    clients = [Client(HTTP_AUTHORIZATION=f"Bearer {w['token']}") for w in workers]
    base = [f"/api/worker/jobs/{w['job_id']}/" for w in workers]
    for client, url, w in zip(clients, base, workers, strict=True):
        client.post(url + "claim", {"attempt": w["attempt"]}, content_type="application/json")
    step = {w["job_id"]: 0 for w in workers}
    seq = {w["job_id"]: 0 for w in workers}

    def metrics(i: int) -> Any:
        k = i % len(workers)
        w = workers[k]
        step[w["job_id"]] += 1
        n = step[w["job_id"]]
        point = {"step": n, "train_loss": 2.0 / n, "learning_rate": 1e-4, "epoch": 0.0}
        body = {"attempt": w["attempt"], "fence": w["fence"], "points": [point]}
        return clients[k].post(base[k] + "metrics", body, content_type="application/json")

    def events(i: int) -> Any:
        k = i % len(workers)
        w = workers[k]
        first = seq[w["job_id"]] + 1
        seq[w["job_id"]] += 5
        batch = [{"seq": first + j, "type": "info", "message": f"note {j}"} for j in range(5)]
        body = {"attempt": w["attempt"], "fence": w["fence"], "events": batch}
        return clients[k].post(base[k] + "events", body, content_type="application/json")

    def job_id(i: int) -> str:
        return str(workers[i % len(workers)]["job_id"])

    profile_dir = Path(args.profile) if args.profile else None
    if profile_dir is not None:
        profile_dir.mkdir(parents=True, exist_ok=True)
    plan: list[tuple[str, Callable[[int], Any]]] = [
        ("POST metrics", metrics),
        ("POST events", events),
        ("GET jobs (active)", lambda i: dashboard.get("/api/training/jobs?status=active")),
        ("GET job detail", lambda i: dashboard.get(f"/api/training/jobs/{job_id(i)}")),
        ("GET job metrics", lambda i: dashboard.get(f"/api/training/jobs/{job_id(i)}/metrics")),
        (
            "GET job events",
            lambda i: dashboard.get(f"/api/training/jobs/{job_id(i)}/events?page=1&page_size=50"),
        ),
    ]
    return [
        _measure(name, call, args.requests, profile_dir, args.show_queries) for name, call in plan
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50, help="running jobs (one worker each)")
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint")
    parser.add_argument("--profile", default="", help="folder for pyinstrument HTML profiles")
    parser.add_argument("--show-queries", action="store_true", help="print one request's SQL")
    args = parser.parse_args()
    with scratch_database("costs") as db_url:
        env = stack_env(
            database_url=db_url,
            redis_prefix="costs",
            var_dir=ROOT / "var" / "endpoint-costs",
            # Generous rates: this measures the cost of a request, not the throttle's limit.
            LORA_USER_RATE="1000000/min",
        )
        migrate(env)
        os.environ.update(env)
        results = _run(args)
        from django.db import connections

        connections.close_all()
    print(f"{'endpoint':<20}{'mean ms':>9}{'p95 ms':>9}{'cpu ms':>9}{'queries':>9}")
    for row in results:
        print(
            f"{row['endpoint']:<20}{row['mean_ms']:>9}{row['p95_ms']:>9}{row['cpu_ms']:>9}"
            f"{row['queries']:>9}"
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
