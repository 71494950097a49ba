"""Per-person quotas: how many jobs one person may have running and queued at once.

The team defaults live on SchedulerSettings, a person's UserQuota row overrides them (both
edited in admin). The queued limit is checked when a job is submitted (`quota_check_submit`,
a refusal); the running limit is the dispatcher's (`running_limits_reached`): a job whose owner
already has that many running waits in the queue, with that reason shown, and does not hold
back anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count

from backend.accounts.models import User
from backend.common.errors import ApplicationError
from backend.jobs.models import ACTIVE_STATUSES, Job, JobStatus
from backend.scheduling.models import SchedulerSettings, UserQuota
from backend.scheduling.priorities import may_use_priority


@dataclass(frozen=True)
class Limits:
    """One person's effective limits (None: unlimited)."""

    max_running: int | None
    max_queued: int | None
    monthly_budget: Decimal | None
    allow_high_priority: bool


def _merge(quota: UserQuota | None, team: SchedulerSettings) -> Limits:
    def pick(own: Any, default: Any) -> Any:
        return own if own is not None else default

    return Limits(
        max_running=pick(quota and quota.max_running, team.default_max_running),
        max_queued=pick(quota and quota.max_queued, team.default_max_queued),
        monthly_budget=pick(quota and quota.monthly_budget, team.default_user_monthly_budget),
        allow_high_priority=bool(quota and quota.allow_high_priority),
    )


def limits_for(*, user_id: int, team: SchedulerSettings | None = None) -> Limits:
    """The person's limits: their UserQuota fields, else the team defaults."""
    team = team or SchedulerSettings.load()
    return _merge(UserQuota.objects.filter(user_id=user_id).first(), team)


def limits_by_user(
    user_ids: list[int] | set[int], team: SchedulerSettings | None = None
) -> dict[int, Limits]:
    """Effective limits of several people in one query."""
    team = team or SchedulerSettings.load()
    quotas = {q.user_id: q for q in UserQuota.objects.filter(user_id__in=list(user_ids))}
    return {uid: _merge(quotas.get(uid), team) for uid in user_ids}


def counts_by_owner(statuses: Any) -> dict[int, int]:
    rows = (
        Job.objects.filter(status__in=statuses)
        .values("created_by_id")
        .annotate(n=Count("pk"))
        .values_list("created_by_id", "n")
    )
    return dict(rows)


def running_counts() -> dict[int, int]:
    """Jobs holding a slot, per owner."""
    return counts_by_owner(ACTIVE_STATUSES)


def running_limits_reached(team: SchedulerSettings | None = None) -> dict[int, tuple[int, int]]:
    """Owners at (or over) their running limit: user id -> (running now, limit)."""
    counts = running_counts()
    limits = limits_by_user(set(counts), team)
    out: dict[int, tuple[int, int]] = {}
    for uid, n in counts.items():
        cap = limits[uid].max_running
        if cap is not None and n >= cap:
            out[uid] = (n, cap)
    return out


def running_limit_text(*, count: int, limit: int, owner: str, is_viewer: bool) -> str:
    """The queue's reason for a job held back by its owner's running limit."""
    if is_viewer:
        return f"You already have {count} running — your limit is {limit}"
    return f"{owner} already has {count} running — their limit is {limit}"


def quota_check_submit(*, user: User, priority: str, limits: Limits) -> None:
    """Refuse a submission over the person's queued limit or with a priority they may not use.

    The caller holds the person's row lock, so two submissions at once cannot both take the
    last queued place.
    """
    if not may_use_priority(user=user, priority=priority, allow_high=limits.allow_high_priority):
        raise ApplicationError(
            "High priority is for managers and for people their quota allows it.",
            code="priority_not_allowed",
            fields={"priority": ["You may submit low or normal priority jobs."]},
        )
    if limits.max_queued is None:
        return
    queued = Job.objects.filter(created_by=user, status=JobStatus.QUEUED).count()
    if queued >= limits.max_queued:
        raise ApplicationError(
            f"You already have {queued} queued — your limit is {limits.max_queued}. "
            "Wait for one to start, or cancel one.",
            code="quota_exceeded",
        )
