"""Storing the worker's own log lines (the job's Logs tab), with a per-job rate limit.

A chatty training script must not fill the database: each job may store
`LORA_LOG_LINES_PER_MINUTE` lines per minute (counted in the cache, so every web process shares
the count). What is over the limit is not lost silently: the batch stores one `system` line
"N lines dropped ..." in place of the lines it could not keep. The worker does the same for
lines it could not even send (its buffer was full): it sends such a marker as a line of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from backend.common.types import JobId
from backend.telemetry.models import LogLine, LogStream

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class LineIn:
    seq: int
    stream: str
    message: str
    created_at: datetime
    level: str = ""


@dataclass(frozen=True)
class LinesStored:
    stored: int
    dropped: int


def _allowance(*, job_id: JobId, wanted: int, now: datetime) -> int:
    """How many of `wanted` new lines this job may still store in the current minute."""
    if wanted == 0:
        return 0
    window = int(now.timestamp()) // WINDOW_SECONDS
    key = f"loglines:{job_id}:{window}"
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    after = cache.incr(key, wanted)
    before = after - wanted
    return max(0, min(wanted, settings.LORA_LOG_LINES_PER_MINUTE - before))


def log_lines_append(
    *,
    job_id: JobId,
    attempt: int,
    lines: list[LineIn],
    now: datetime | None = None,
) -> LinesStored:
    """Store a batch of one attempt's lines in the worker's order; lines already stored (a
    retried batch) are skipped. The caller holds the job's row lock, which keeps ids in commit
    order (the readers' cursor).

    Lines over the rate limit become one marker after the ones kept; it takes the seq range of
    the lines it stands for, so a retried batch repeats neither them nor the marker.
    """
    now = now or timezone.now()
    lines = sorted(lines, key=lambda line: line.seq)
    seqs = [line.seq for line in lines]
    if not seqs:
        return LinesStored(stored=0, dropped=0)
    mine = LogLine.objects.filter(job_id=job_id, attempt=attempt)
    seen = set(mine.filter(seq__in=seqs).values_list("seq", flat=True))
    covered = mine.filter(dropped_to__isnull=False, seq__lte=seqs[-1], dropped_to__gte=seqs[0])
    for low, high in covered.values_list("seq", "dropped_to"):
        seen.update(range(low, (high or low) + 1))
    fresh: list[LineIn] = []
    for line in lines:
        if line.seq not in seen:
            seen.add(line.seq)
            fresh.append(line)
    if not fresh:
        return LinesStored(stored=0, dropped=0)
    keep = _allowance(job_id=job_id, wanted=len(fresh), now=now)
    rows: list[LogLine] = []
    kept, over = fresh[:keep], fresh[keep:]
    rows += [
        LogLine(
            job_id=job_id,
            attempt=attempt,
            seq=line.seq,
            created_at=line.created_at,
            received_at=now,
            stream=line.stream,
            level=line.level,
            message=line.message,
        )
        for line in kept
    ]
    if over:
        rows.append(
            _marker(
                job_id,
                attempt,
                over[0].seq,
                over[0].created_at,
                over[-1].seq,
                f"{len(over):,} lines dropped (over the limit of "
                f"{settings.LORA_LOG_LINES_PER_MINUTE:,} lines a minute)",
                now,
            )
        )
    LogLine.objects.bulk_create(rows)
    return LinesStored(stored=len(kept), dropped=len(over))


def _marker(
    job_id: JobId,
    attempt: int,
    seq: int,
    created_at: datetime,
    dropped_to: int,
    message: str,
    now: datetime,
) -> LogLine:
    return LogLine(
        job_id=job_id,
        attempt=attempt,
        seq=seq,
        created_at=created_at,
        received_at=now,
        stream=LogStream.SYSTEM,
        level="WARNING",
        message=message,
        dropped_to=dropped_to,
    )
