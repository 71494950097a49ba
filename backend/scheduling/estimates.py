"""Start-time estimates for queued jobs, by simulating the GPU slots. Pure: no database.

Each active job frees its slot at its estimated finish; each queued job, in queue order, takes
the earliest free slot and holds it for its estimated duration.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta


def simulate_starts(
    *,
    now: datetime,
    limit: int,
    active_finishes: Sequence[datetime],
    queued: Sequence[tuple[Hashable, float]],
) -> dict[Hashable, datetime]:
    """Estimated start of each queued job.

    `active_finishes`: estimated finish of every job holding a slot now (a finish already in the
    past counts as "now": the job is overdue but could end any moment).
    `queued`: (job id, estimated duration in seconds) in queue order.

    With more active jobs than slots (the limit was lowered), a slot only opens once enough of
    them finished to bring the count below the limit, hence "the `limit` latest finishes".
    """
    if limit <= 0:
        return {}
    finishes = sorted(max(f, now) for f in active_finishes)
    free_at = ([now] * max(0, limit - len(finishes)) + finishes)[-limit:]
    heapq.heapify(free_at)
    starts: dict[Hashable, datetime] = {}
    for job_id, duration in queued:
        start = heapq.heappop(free_at)
        starts[job_id] = start
        heapq.heappush(free_at, start + timedelta(seconds=max(duration, 0.0)))
    return starts
