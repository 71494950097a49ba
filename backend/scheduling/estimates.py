"""Start-time estimates for queued jobs, by simulating the GPU slots. Pure: no database.

Each active job frees its slot at its estimated finish; each queued job, in queue order, takes
the earliest free slot (of its pool, and under the global limit) and holds it for its estimated
duration.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Mapping, Sequence
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


def simulate_pool_starts(
    *,
    now: datetime,
    limit: int,
    capacities: Mapping[Hashable, int],
    active: Sequence[tuple[Hashable, datetime]],
    queued: Sequence[tuple[Hashable, Hashable, float]],
    owner_limits: Mapping[Hashable, int] | None = None,
    active_owners: Sequence[Hashable] = (),
    queued_owners: Mapping[Hashable, Hashable] | None = None,
) -> dict[Hashable, datetime | None]:
    """Estimated start of each queued job when jobs run in pools under a global limit.

    `capacities`: pool -> slots (live workers, capped); `active`: (pool, estimated finish) of
    every slot-holding job; `queued`: (job id, pool, estimated duration) in queue order. A job
    starts when both a slot of its pool and a global slot are free; a pool without capacity
    gives None (no worker: no honest start time).

    Running quotas: `owner_limits` (owner -> most jobs running at once), `active_owners` (the
    owner of each `active` entry, same order), `queued_owners` (job id -> owner). A job of a
    limited owner also waits for one of that owner's slots.
    """
    if limit <= 0:
        return {job_id: None for job_id, _, _ in queued}

    def slots(count: int, finishes: list[datetime]) -> list[datetime]:
        ordered = sorted(max(f, now) for f in finishes)
        free = ([now] * max(0, count - len(ordered)) + ordered)[-count:] if count > 0 else []
        heapq.heapify(free)
        return free

    everyone = slots(limit, [finish for _, finish in active])
    pools = {
        pool: slots(count, [finish for p, finish in active if p == pool])
        for pool, count in capacities.items()
    }
    limits = owner_limits or {}
    owners_of = queued_owners or {}
    per_owner = {
        owner: slots(
            cap, [f for (_, f), o in zip(active, active_owners, strict=False) if o == owner]
        )
        for owner, cap in limits.items()
    }
    starts: dict[Hashable, datetime | None] = {}
    for job_id, pool, duration in queued:
        own = pools.get(pool)
        owner_slots = per_owner.get(owners_of.get(job_id))
        if not own or owner_slots == []:
            starts[job_id] = None
            continue
        candidates = [heapq.heappop(own), heapq.heappop(everyone)]
        if owner_slots is not None:
            candidates.append(heapq.heappop(owner_slots))
        start = max(candidates)
        starts[job_id] = start
        end = start + timedelta(seconds=max(duration, 0.0))
        heapq.heappush(own, end)
        heapq.heappush(everyone, end)
        if owner_slots is not None:
            heapq.heappush(owner_slots, end)
    return starts
