"""API latency benchmark against a large PostgreSQL dataset, measured in-process.

Seeds 10,000 jobs, one job with 100,000 metric points and 1,000,000 events into a scratch
PostgreSQL database, then times the list, detail, metrics (max_points=1000) and events
endpoints through Django's test client (no network), printing median and p95 per endpoint.

    .venv/bin/python bench/api_bench.py [--requests 60] [--database-url postgres://...]

The scratch database (default `lora_bench`) is dropped and re-created on each run.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_P95_MS = 100.0


def _setup_django(database_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings.test"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def _recreate_database(database_url: str) -> None:
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _copy(cursor: Any, table: str, columns: list[str], rows: Any) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def seed(n_jobs: int, n_metrics: int, n_events: int) -> str:
    """Seed the data; returns the id of the job that holds the big metric and event history."""
    from django.db import connection
    from django.utils import timezone

    from backend.jobs.models import JobStatus
    from tests.factories import DatasetFactory, GpuTypeFactory, JobFactory, UserFactory
    from worker.contract.names import METRIC_VALUE_FIELDS

    users = [UserFactory(username=f"bench{i}") for i in range(20)]
    dataset = DatasetFactory(uploaded_by=users[0])
    gpu = GpuTypeFactory()
    now = timezone.now()
    statuses = ["completed"] * 6 + ["failed", "cancelled", "queued", "running"]

    big = JobFactory(
        name="big run",
        created_by=users[0],
        dataset=dataset,
        gpu_type=gpu,
        status=JobStatus.RUNNING,
        stage="training",
        started_at=now,
        billing_since=now,
        current_step=n_metrics,
        total_steps=n_metrics * 2,
    )
    job_cols = [
        "id",
        "name",
        "created_by_id",
        "dataset_id",
        "base_model",
        "preset",
        "hyperparameters",
        "metadata",
        "gpu_type_id",
        "pricing",
        "hourly_rate",
        "status",
        "stage",
        "substatus",
        "recovering",
        "current_step",
        "total_steps",
        "current_epoch",
        "total_epochs",
        "resume_step",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
        "updated_at",
        "billed_seconds",
        "final_cost",
        "queue_order",
        "attempt",
        "worker_host",
        "cancel_reason",
        "cancel_notes",
        "error_category",
        "error_message",
        "last_event_seq",
        "adapter_file",
        "adapter_sha256",
        "est_basis",
    ]

    def jobs() -> Any:
        for i in range(n_jobs - 1):
            created = now - timedelta(minutes=i)
            status = statuses[i % len(statuses)]
            finished = (
                created + timedelta(hours=2)
                if status in ("completed", "failed", "cancelled")
                else None
            )
            started = created + timedelta(minutes=5) if status != "queued" else None
            yield [
                uuid.uuid4(),
                f"job {i} {['elena', 'client x', 'test'][i % 3]}",
                users[i % 20].pk,
                dataset.pk,
                "tiny-random-llama",
                "balanced",
                "{}",
                "{}",
                gpu.pk,
                "spot",
                "2.49",
                status,
                "",
                "",
                False,
                50,
                100,
                1,
                3,
                0,
                created,
                created,
                started,
                finished,
                created,
                7200.0 if finished else 0.0,
                "4.98" if finished else "0",
                created.timestamp(),
                1,
                "",
                "",
                "",
                "",
                "",
                0,
                "",
                "",
                "",
            ]

    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor, for COPY
        _copy(cursor, "jobs_job", job_cols, jobs())
        stage_rows = (
            [job_id, stage, pos, "pending", "", 0]
            for (job_id,) in cursor.execute(
                "SELECT id FROM jobs_job WHERE id <> %s", [big.pk]
            ).fetchall()
            for pos, stage in enumerate(
                ["preprocessing", "model_loading", "training", "finalization"]
            )
        )
        _copy(
            cursor,
            "jobs_stagerun",
            ["job_id", "stage", "position", "state", "substatus", "attempt"],
            list(stage_rows),
        )

        def metrics() -> Any:
            for step in range(1, n_metrics + 1):
                loss = 2.5 * math.exp(-step / 20000) + 0.2 + 0.05 * math.sin(step)
                val = loss + 0.03 if step % 50 == 0 else None
                yield [big.pk, step, 1, step / 10000, loss, val, 2e-4, 0.8, 5400.0, None, None, now]

        _copy(
            cursor,
            "telemetry_metricpoint",
            [
                "job_id",
                "step",
                "attempt",
                *METRIC_VALUE_FIELDS,
                "recorded_at",
            ],
            metrics(),
        )

        kinds = ["metrics"] * 7 + ["status", "info", "checkpoint", "warning", "error"]

        def events() -> Any:
            payload = json.dumps({"step": 1, "loss": 0.5})
            for seq in range(1, n_events + 1):
                kind = kinds[seq % len(kinds)]
                yield [big.pk, seq, 1, seq, now, kind, f"{kind} at step {seq // 10}", payload]

        _copy(
            cursor,
            "telemetry_event",
            ["job_id", "seq", "attempt", "worker_seq", "created_at", "type", "message", "payload"],
            events(),
        )
        cursor.execute("UPDATE jobs_job SET last_event_seq = %s WHERE id = %s", [n_events, big.pk])
        # What autovacuum does shortly after a bulk load in production: statistics for the
        # planner and a visibility map so counts can use index-only scans.
        cursor.execute("VACUUM ANALYZE")
    return str(big.pk)


def measure(client: Any, url: str, n: int) -> tuple[float, float]:
    for _ in range(3):  # warm caches and connections
        assert client.get(url).status_code == 200, url
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lora_bench")
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    _recreate_database(args.database_url)
    _setup_django(args.database_url)
    from django.core.management import call_command
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    big = seed(args.jobs, args.metrics, args.events)
    print(
        f"seeded {args.jobs:,} jobs, {args.metrics:,} metric points and {args.events:,} events"
        f" in {time.perf_counter() - t0:.1f} s"
    )

    client = APIClient()
    client.force_authenticate(UserFactory(username="bench-reader"))
    base = "/api/training/jobs"
    cases = [
        ("jobs list (page 1 of 25)", f"{base}", None),
        ("jobs list, status+search filter", f"{base}?status=completed&search=elena", None),
        ("job detail", f"{base}/{big}", None),
        ("metrics max_points=1000", f"{base}/{big}/metrics?max_points=1000", TARGET_P95_MS),
        (
            "metrics after_step (poll)",
            f"{base}/{big}/metrics?after_step={args.metrics - 10}",
            TARGET_P95_MS,
        ),
        ("events page 1", f"{base}/{big}/events", TARGET_P95_MS),
        ("events type=error", f"{base}/{big}/events?type=error", TARGET_P95_MS),
        (
            "events after_seq (poll)",
            f"{base}/{big}/events?after_seq={args.events - 5}",
            TARGET_P95_MS,
        ),
    ]
    print(f"\n{'endpoint':34} {'median ms':>10} {'p95 ms':>10}  target")
    failed = False
    for name, url, target in cases:
        median, p95 = measure(client, url, args.requests)
        verdict = ""
        if target is not None:
            ok = p95 < target
            failed |= not ok
            verdict = f"p95 < {target:.0f} ms: {'ok' if ok else 'MISSED'}"
        print(f"{name:34} {median:10.1f} {p95:10.1f}  {verdict}")
    buf = io.StringIO()
    print("\nall targets met" if not failed else "\nsome targets missed", file=buf)
    print(buf.getvalue().strip())
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
