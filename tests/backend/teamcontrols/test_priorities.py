"""Priorities with ageing, and per-person running limits, in the dispatcher under races."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.jobs.models import Job, JobStatus
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.estimates import simulate_pool_starts
from backend.scheduling.models import SchedulerSettings, UserQuota
from backend.scheduling.priorities import passable_until, queue_order_for
from backend.scheduling.selectors import queue_view
from backend.scheduling.slots import slot_holders
from tests.backend.scheduling.helpers import move, set_limits
from tests.backend.scheduling.test_dispatch import _run_concurrently
from tests.factories import JobFactory, UserFactory

AGEING = 600.0


def _job(name: str, priority: str, seconds_ago: float, **kw: Any) -> Job:
    at = timezone.now() - timedelta(seconds=seconds_ago)
    return JobFactory(
        name=name,
        priority=priority,
        created_at=at,
        queued_at=at,
        queue_order=queue_order_for(queued_at=at, priority=priority, ageing_seconds=AGEING),
        **kw,
    )


def test_the_priority_head_start_is_bounded_by_the_ageing_window() -> None:
    t = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    low = queue_order_for(queued_at=t, priority="low", ageing_seconds=AGEING)
    assert low == t.timestamp() + AGEING
    # A later high job goes first only while it arrives within 2 x the window of the low one.
    high_soon = queue_order_for(
        queued_at=t + timedelta(seconds=1199), priority="high", ageing_seconds=AGEING
    )
    high_late = queue_order_for(
        queued_at=t + timedelta(seconds=1201), priority="high", ageing_seconds=AGEING
    )
    assert high_soon < low < high_late
    assert passable_until(queue_order=low, ageing_seconds=AGEING) == t + timedelta(seconds=1200)
    normal = queue_order_for(queued_at=t, priority="normal", ageing_seconds=AGEING)
    assert passable_until(queue_order=normal, ageing_seconds=AGEING) == t + timedelta(seconds=600)


@pytest.mark.django_db(transaction=True)
def test_racing_dispatchers_serve_priority_then_fifo_with_ageing_and_never_exceed_the_limit(
    sent_tasks: list[dict[str, Any]],
) -> None:
    set_limits(concurrency_limit=2)
    SchedulerSettings.objects.filter(pk=1).update(priority_ageing_seconds=int(AGEING))
    jobs = {
        # queued 2000 s ago: past its ageing bound, it now goes ahead of newer high jobs
        "old-low": _job("old-low", "low", 2000),
        "normal-1": _job("normal-1", "normal", 100),
        "high-1": _job("high-1", "high", 50),
        "low-1": _job("low-1", "low", 40),
        "normal-2": _job("normal-2", "normal", 30),
        "high-2": _job("high-2", "high", 20),
    }
    expected = [
        {"old-low", "high-1"},
        {"high-2", "normal-1"},
        {"normal-2", "low-1"},
    ]
    for round_names in expected:
        results = _run_concurrently(20, dispatch_queued)
        started = [job_id for run in results for job_id in run]
        assert len(started) == len(set(started)) == 2
        names = set(Job.objects.filter(pk__in=started).values_list("name", flat=True))
        assert names == round_names
        assert Job.objects.filter(status=JobStatus.PROVISIONING).count() == 2
        assert len(slot_holders()) == 2
        # Both finish, with the limit at 0 meanwhile so the finish signal starts nothing:
        # the next round is decided by the racing dispatchers alone.
        set_limits(concurrency_limit=0)
        for job in Job.objects.filter(status=JobStatus.PROVISIONING):
            move(job, JobStatus.RUNNING)
            move(job, JobStatus.COMPLETED)
        set_limits(concurrency_limit=2)
    assert set(jobs) == {n for r in expected for n in r}
    assert len({t["job_id"] for t in sent_tasks}) == 6


@pytest.mark.django_db
def test_a_low_job_says_until_when_later_jobs_can_pass_it() -> None:
    set_limits(concurrency_limit=0)
    SchedulerSettings.objects.filter(pk=1).update(priority_ageing_seconds=int(AGEING))
    low = _job("low", "low", 60)
    view = queue_view()
    entry = next(e for e in view.queued if e.job.pk == low.pk)
    bound = low.queued_at + timedelta(seconds=2 * AGEING)
    assert abs((entry.passable_until - bound).total_seconds()) < 0.01
    assert f"low priority: later jobs can go ahead of it only until {bound:%H:%M} UTC" in (
        entry.reason
    )


@pytest.mark.django_db(transaction=True)
def test_a_person_at_their_running_limit_waits_and_holds_back_no_one_else(
    sent_tasks: list[dict[str, Any]],
) -> None:
    set_limits(concurrency_limit=4)
    alice = UserFactory(username="alice", first_name="Alice", last_name="A")
    bob = UserFactory(username="bob", first_name="Bob", last_name="B")
    UserQuota.objects.create(user=alice, max_running=2)
    SchedulerSettings.objects.filter(pk=1).update(default_max_running=3)
    # Alice queued first: without her limit she would take all four slots.
    alice_jobs = [_job(f"a{i}", "normal", 100 - i, created_by=alice) for i in range(5)]
    bob_jobs = [_job(f"b{i}", "normal", 50 - i, created_by=bob) for i in range(3)]
    results = _run_concurrently(20, dispatch_queued)
    started = [job_id for run in results for job_id in run]
    assert len(started) == len(set(started)) == 4
    active = Job.objects.filter(status=JobStatus.PROVISIONING)
    assert active.filter(created_by=alice).count() == 2
    assert set(active.filter(created_by=bob).values_list("pk", flat=True)) == {
        j.pk for j in bob_jobs[:2]
    }
    assert len(slot_holders()) == 4

    # Her waiting jobs say why, to her and to others.
    waiting = alice_jobs[2]
    mine = next(e for e in queue_view(viewer_id=alice.pk).queued if e.job.pk == waiting.pk)
    assert mine.reason == "You already have 2 running — your limit is 2"
    theirs = next(e for e in queue_view(viewer_id=bob.pk).queued if e.job.pk == waiting.pk)
    assert theirs.reason == "Alice A already has 2 running — their limit is 2"
    # Bob at the team default of 3 once his third starts? Only 4 slots: the global limit holds.
    assert dispatch_queued() == []


def test_the_start_estimate_waits_for_the_owners_own_slot() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    finish = now + timedelta(minutes=30)
    starts = simulate_pool_starts(
        now=now,
        limit=4,
        capacities={"cpu": 4},
        active=[("cpu", finish), ("cpu", finish + timedelta(minutes=10))],
        queued=[("a3", "cpu", 600.0), ("b1", "cpu", 600.0)],
        owner_limits={"alice": 2},
        active_owners=["alice", "alice"],
        queued_owners={"a3": "alice", "b1": "bob"},
    )
    # Alice's next job waits for her first running one; Bob's starts at once.
    assert starts == {"a3": finish, "b1": now}
