"""Writing a job's telemetry: metric points (upsert per step, with the job's latest-metrics
snapshot) and events (one place assigns the per-job sequence numbers).

Callers hold the job's row lock (the worker API's fenced writes, the claim): these functions
change the locked Job instance's snapshot fields and leave saving it to the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from backend.common.rows import columns_sql, db_value, table_sql
from backend.common.types import JobId
from backend.jobs.models import Job
from backend.telemetry.models import METRIC_VALUE_FIELDS, Event, MetricPoint


@dataclass(frozen=True)
class EventIn:
    type: str
    message: str
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    worker_seq: int | None = None


@transaction.atomic(savepoint=False)
def events_append(*, job_id: JobId, attempt: int, items: list[EventIn]) -> list[Event]:
    """Append events to a job's log, skipping worker events already stored (retried batches).

    Sequence numbers are taken by one `UPDATE ... RETURNING` of the job's `last_event_seq`,
    which locks the job row until commit: seq order is commit order, so a client polling with
    `after_seq` never misses an event that committed late. Callers appending worker events
    (`worker_seq` set) hold that lock already (the worker API's fenced writes), so two retries
    of one batch cannot both find their seqs unseen.
    """
    if not items:
        return []
    worker_seqs = [i.worker_seq for i in items if i.worker_seq is not None]
    seen: set[int] = set()
    if worker_seqs:
        seen = {
            s
            for s in Event.objects.filter(
                job_id=job_id, attempt=attempt, worker_seq__in=worker_seqs
            )
            .order_by()  # the default order would join the job only to sort by it
            .values_list("worker_seq", flat=True)
            if s is not None
        }
    fresh: list[EventIn] = []
    for item in items:
        if item.worker_seq is not None:
            if item.worker_seq in seen:
                continue
            seen.add(item.worker_seq)
        fresh.append(item)
    if not fresh:
        return []
    now = timezone.now()
    first = _event_seqs_take(job_id, len(fresh))
    rows = [
        Event(
            job_id=job_id,
            seq=first + offset,
            attempt=attempt,
            worker_seq=item.worker_seq,
            created_at=item.created_at or now,
            type=item.type,
            message=item.message[:1000],
            payload=item.payload,
        )
        for offset, item in enumerate(fresh)
    ]
    Event.objects.bulk_create(rows)
    return rows


def _event_seqs_take(job_id: JobId, count: int) -> int:
    """Reserve `count` sequence numbers of the job's event log; returns the first. The row lock
    the UPDATE takes is held until commit (see `events_append`)."""
    seq = columns_sql(Job, ["last_event_seq"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table_sql(Job)} SET {seq} = {seq} + %s "
            f"WHERE {columns_sql(Job, ['id'])} = %s RETURNING {seq}",
            [count, db_value(Job, "id", job_id)],
        )
        row = cursor.fetchone()
    if row is None:
        raise Job.DoesNotExist(f"No job {job_id}.")
    return int(row[0]) - count + 1


def event_record(
    *, job: Job, type: str, message: str, payload: dict[str, Any] | None = None
) -> Event:
    """Record one system event (status changes made by the API, the scheduler or the reaper)."""
    return events_append(
        job_id=job.pk,
        attempt=job.attempt,
        items=[EventIn(type=type, message=message, payload=payload or {})],
    )[0]


def metrics_snapshot(
    previous: dict[str, Any] | None, point: dict[str, Any], recorded_at: datetime | None = None
) -> dict[str, Any]:
    """The dashboard's "latest metrics" (every MetricPoint field, null when never measured):
    the newest point, with fields it did not measure (val loss between evaluations) carried
    over from the snapshot before it."""
    merged: dict[str, Any] = {f: None for f in METRIC_VALUE_FIELDS}
    merged.update({k: v for k, v in (previous or {}).items() if k in METRIC_VALUE_FIELDS})
    merged.update({k: point.get(k) for k in METRIC_VALUE_FIELDS if point.get(k) is not None})
    merged["step"] = point["step"]
    when = recorded_at or point.get("recorded_at")
    merged["recorded_at"] = when.isoformat() if isinstance(when, datetime) else when
    return merged


# MetricPoint's fields in the order _metric_points_store writes them.
_POINT_FIELDS = ("job", "step", "attempt", "recorded_at", *METRIC_VALUE_FIELDS)


@cache
def _point_upsert_sql(rows: int) -> str:
    # A retried batch rewrites its rows (the worker may have measured again after a restart).
    columns = columns_sql(MetricPoint, _POINT_FIELDS)
    updates = ", ".join(
        f"{c} = EXCLUDED.{c}" for c in columns_sql(MetricPoint, _POINT_FIELDS[2:]).split(", ")
    )
    values = ", ".join(["(" + ", ".join(["%s"] * len(_POINT_FIELDS)) + ")"] * rows)
    return (
        f"INSERT INTO {table_sql(MetricPoint)} ({columns}) VALUES {values} "
        f"ON CONFLICT ({columns_sql(MetricPoint, ('job', 'step'))}) DO UPDATE SET {updates}"
    )


def _metric_points_store(
    *, job_id: JobId, attempt: int, points: list[dict[str, Any]], now: datetime
) -> None:
    """Upsert the points with one statement written once (backend/common/rows.py): this runs
    on every metric report, and `bulk_create(update_conflicts=True)` built and compiled the
    same statement again each time."""
    params: list[Any] = []
    for p in points:
        values = {"job": job_id, "step": p["step"], "attempt": attempt, "recorded_at": now}
        values.update({f: p.get(f) for f in METRIC_VALUE_FIELDS})
        params += [db_value(MetricPoint, name, values[name]) for name in _POINT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_point_upsert_sql(len(points)), params)


# The job fields `metric_points_upsert` reads and moves.
SNAPSHOT_FIELDS = ("latest_metrics", "previous_metrics")


def metric_points_upsert(
    *, job: Job, attempt: int, points: list[dict[str, Any]], now: datetime
) -> list[str]:
    """Store points (unique per job and step: a retried batch rewrites the same rows) and move
    the locked job's latest/previous snapshot forward. Returns the job fields it changed."""
    if not points:
        return []
    points = sorted(points, key=lambda p: p["step"])
    _metric_points_store(job_id=job.pk, attempt=attempt, points=points, now=now)
    latest, previous = job.latest_metrics, job.previous_metrics
    for p in points:
        newest_step = latest.get("step", -1) if latest else -1
        if p["step"] > newest_step:
            previous, latest = latest, metrics_snapshot(latest, p, now)
        elif p["step"] == newest_step:  # a retried point: rewrite, do not shift the trend
            latest = metrics_snapshot(previous, p, now)
    job.latest_metrics, job.previous_metrics = latest, previous
    return list(SNAPSHOT_FIELDS)


def metric_points_truncate(*, job: Job, above_step: int) -> int:
    """Delete the points above `above_step` (a resumed attempt replays those steps) and, when
    any went, rebuild the locked job's latest/previous snapshot from what is left. Returns how
    many points were deleted."""
    deleted, _ = MetricPoint.objects.filter(job_id=job.pk, step__gt=above_step).delete()
    if not deleted:
        return 0
    last_two = list(MetricPoint.objects.filter(job_id=job.pk).order_by("-step")[:2])[::-1]
    latest = previous = None
    for point in last_two:
        values = {f: getattr(point, f) for f in METRIC_VALUE_FIELDS}
        row = {"step": point.step, "recorded_at": point.recorded_at, **values}
        previous, latest = latest, metrics_snapshot(latest, row)
    job.latest_metrics, job.previous_metrics = latest, previous
    return int(deleted)


def events_from_worker(events: list[dict[str, Any]]) -> list[EventIn]:
    """A worker's event reports as events to append; `seq` is the worker's per-attempt number."""
    return [
        EventIn(
            type=e["type"],
            message=e["message"],
            payload=e.get("payload") or {},
            created_at=e.get("created_at"),
            worker_seq=e["seq"],
        )
        for e in events
    ]
