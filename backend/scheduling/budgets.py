"""Monthly spending budgets, per person and for the team, and the month's spend.

A job's spend counts towards the calendar month (UTC) in which it was submitted. Besides what
was spent, unfinished jobs (queued, running, paused) have spend *committed*: what their estimate
(upper bound, or their own cap when lower) says is still to come. A new job is refused when its
own upper bound exceeds what is left: budget - spent - committed, for its owner and for the team.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from backend.accounts.models import User
from backend.common.errors import ApplicationError
from backend.jobs.models import ACTIVE_STATUSES, FINISHED_STATUSES, Job, JobStatus
from backend.scheduling.models import SchedulerSettings
from backend.scheduling.quotas import counts_by_owner, limits_by_user

CENT = Decimal("0.01")


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """[first instant of the month, first instant of the next) in UTC."""
    now = now.astimezone(UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start, start.replace(year=year, month=month)


def job_cost_bound(*, est_cost_max: Decimal | None, budget_cap: Decimal | None) -> Decimal | None:
    """The most a job is expected to cost: its estimate's upper bound, or its cap when lower."""
    bounds = [b for b in (est_cost_max, budget_cap) if b is not None]
    return min(bounds) if bounds else None


@dataclass
class Spend:
    spent: Decimal = Decimal("0")
    committed: Decimal = Decimal("0")
    jobs: int = 0

    def left(self, budget: Decimal | None) -> Decimal | None:
        return None if budget is None else budget - self.spent - self.committed


@dataclass
class MonthSpend:
    start: datetime
    end: datetime
    team: Spend = field(default_factory=Spend)
    users: dict[int, Spend] = field(default_factory=dict)


def month_spend(*, now: datetime) -> MonthSpend:
    """Spent and committed dollars of the month containing `now`, for the team and per person."""
    start, end = month_bounds(now)
    out = MonthSpend(start=start, end=end)
    rows = Job.objects.filter(created_at__gte=start, created_at__lt=end).only(
        "created_by_id",
        "status",
        "billed_seconds",
        "billing_since",
        "hourly_rate",
        "est_cost_max",
        "budget_cap",
    )
    for job in rows:
        spent = job.spend_at(now)
        committed = Decimal("0")
        if job.status not in FINISHED_STATUSES:
            bound = job_cost_bound(est_cost_max=job.est_cost_max, budget_cap=job.budget_cap)
            committed = max((bound or Decimal("0")) - spent, Decimal("0"))
        for spend in (out.team, out.users.setdefault(job.created_by_id, Spend())):
            spend.spent += spent
            spend.committed += committed
            spend.jobs += 1
    return out


def _money(value: Decimal) -> str:
    return f"${value.quantize(CENT):,}"


def budget_check_submit(
    *,
    user: User,
    cost: Decimal | None,
    user_budget: Decimal | None,
    team: SchedulerSettings,
    now: datetime,
) -> None:
    """Refuse a job whose cost bound exceeds what is left of its owner's or the team's budget
    this month, with the figures. A job without any cost bound cannot be judged and passes.

    The caller holds the owner's row lock (and the settings row's, when the team has a budget),
    so two submissions cannot both spend the same remainder.
    """
    if cost is None or (user_budget is None and team.team_monthly_budget is None):
        return
    spend = month_spend(now=now)
    month = spend.start.strftime("%B %Y")
    checks = (
        ("your", user_budget, spend.users.get(user.pk, Spend())),
        ("the team's", team.team_monthly_budget, spend.team),
    )
    for whose, budget, used in checks:
        left = used.left(budget)
        if budget is None or left is None or cost <= left:
            continue
        raise ApplicationError(
            f"This job could cost up to {_money(cost)}, more than what is left of {whose} "
            f"{month} budget: {_money(budget)} budget - {_money(used.spent)} spent - "
            f"{_money(used.committed)} committed to unfinished jobs = "
            f"{_money(max(left, Decimal('0')))} left.",
            code="budget_exceeded",
        )


@dataclass(frozen=True)
class PersonSpend:
    """One person's month: spend, budget and quotas (the spend endpoint's row)."""

    user: User
    spend: Spend
    budget: Decimal | None
    running: int
    queued: int
    max_running: int | None
    max_queued: int | None
    allow_high_priority: bool


@dataclass(frozen=True)
class SpendView:
    start: datetime
    end: datetime
    team: Spend
    team_budget: Decimal | None
    users: list[PersonSpend]
    me: PersonSpend


def spend_view(*, now: datetime, viewer: User) -> SpendView:
    """The month's spend for the team and per person (everyone with a job this month, and the
    viewer), with each person's budget and quotas."""
    team = SchedulerSettings.load()
    month = month_spend(now=now)
    ids = set(month.users) | {viewer.pk}
    limits = limits_by_user(ids, team)
    running = counts_by_owner(ACTIVE_STATUSES)
    queued = counts_by_owner([JobStatus.QUEUED])
    people = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    rows = {
        uid: PersonSpend(
            user=people[uid],
            spend=month.users.get(uid, Spend()),
            budget=limits[uid].monthly_budget,
            running=running.get(uid, 0),
            queued=queued.get(uid, 0),
            max_running=limits[uid].max_running,
            max_queued=limits[uid].max_queued,
            allow_high_priority=limits[uid].allow_high_priority or people[uid].is_manager,
        )
        for uid in ids
        if uid in people
    }
    ordered = sorted(rows.values(), key=lambda p: (-p.spend.spent, p.user.username))
    return SpendView(
        start=month.start,
        end=month.end,
        team=month.team,
        team_budget=team.team_monthly_budget,
        users=ordered,
        me=rows[viewer.pk],
    )
