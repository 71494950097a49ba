"""Writing a job's events: one place assigns the per-job sequence numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from backend.common.types import JobId
from backend.jobs.models import Job
from backend.telemetry.models import Event


@dataclass(frozen=True)
class EventIn:
    type: str
    message: str
    payload: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    worker_seq: int | None = None


@transaction.atomic
def events_append(*, job_id: JobId, attempt: int, items: list[EventIn]) -> list[Event]:
    """Append events to a job's log, skipping worker events already stored (retried batches).

    The job row is locked while sequence numbers are taken, so seq order is commit order and a
    client polling with `after_seq` never misses an event that committed late.
    """
    if not items:
        return []
    job = Job.objects.select_for_update().only("pk", "last_event_seq").get(pk=job_id)
    worker_seqs = [i.worker_seq for i in items if i.worker_seq is not None]
    seen: set[int] = set()
    if worker_seqs:
        seen = {
            s
            for s in Event.objects.filter(
                job_id=job.pk, attempt=attempt, worker_seq__in=worker_seqs
            ).values_list("worker_seq", flat=True)
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
    first = job.last_event_seq + 1
    rows = [
        Event(
            job_id=job.pk,
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
    Job.objects.filter(pk=job.pk).update(last_event_seq=F("last_event_seq") + len(rows))
    return rows


def event_record(
    *, job: Job, type: str, message: str, payload: dict[str, Any] | None = None
) -> Event:
    """Record one system event (status changes made by the API, the scheduler or the reaper)."""
    return events_append(
        job_id=job.pk,
        attempt=job.attempt,
        items=[EventIn(type=type, message=message, payload=payload or {})],
    )[0]
