"""Queue priorities with ageing, folded into the one `Job.queue_order` column.

A job's place in the queue is its queued-at timestamp minus its priority's head start:
`rank * A` seconds, with rank low = -1, normal = 0, high = +1 and A the admin-editable
`SchedulerSettings.priority_ageing_seconds`. So the dispatcher keeps serving one ascending
column (race-free with `skip_locked`, see dispatch.py), and:

- within a priority the order is FIFO (same head start, earlier timestamp first);
- a higher priority goes first among jobs queued close together;
- ageing: a job queued at t can only be passed by jobs that arrive before
  `t + (rank_high - rank_own) * A` (its `passable_until`): A for a normal job (by high ones),
  2A for a low one. Every job arriving later is served after it, so nothing starves however
  many higher-priority jobs keep coming.

Promote-to-front and the re-queue of a lost job still take a value below every queued job.
"""

from __future__ import annotations

from datetime import UTC, datetime

from backend.accounts.models import User
from backend.jobs.models import Priority

RANK: dict[str, int] = {Priority.LOW: -1, Priority.NORMAL: 0, Priority.HIGH: 1}


def queue_order_for(*, queued_at: datetime, priority: str, ageing_seconds: float) -> float:
    """The `queue_order` of a job entering the queue now with this priority."""
    return queued_at.timestamp() - RANK[priority] * float(ageing_seconds)


def passable_until(*, queue_order: float, ageing_seconds: float) -> datetime:
    """The instant after which no newly queued job (of any priority) goes ahead of a job with
    this `queue_order`: a job arriving at u with the highest head start has the key
    u - A, which is behind queue_order once u > queue_order + A."""
    return datetime.fromtimestamp(queue_order + RANK[Priority.HIGH] * float(ageing_seconds), UTC)


def may_use_priority(*, user: User, priority: str, allow_high: bool) -> bool:
    """High priority is for managers and for people whose quota allows it."""
    return priority != Priority.HIGH or user.is_manager or allow_high
