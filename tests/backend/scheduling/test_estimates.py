"""Start-time estimates: the slot simulation against hand-computed examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from backend.jobs.models import JobStatus
from backend.jobs.services import job_promote
from backend.scheduling.estimates import simulate_starts
from backend.scheduling.selectors import active_finish_estimate, estimated_starts
from tests.backend.scheduling.helpers import move, set_limits
from tests.factories import JobFactory, UserFactory

T = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def m(minutes: float) -> datetime:
    return T + timedelta(minutes=minutes)


def test_equal_durations() -> None:
    # Two slots busy until +10 and +20; three 30-minute jobs.
    # a takes the +10 slot (free again at +40), b the +20 slot (free at +50), c the +40 one.
    starts = simulate_starts(
        now=T,
        limit=2,
        active_finishes=[m(20), m(10)],
        queued=[("a", 1800), ("b", 1800), ("c", 1800)],
    )
    assert starts == {"a": m(10), "b": m(20), "c": m(40)}


def test_unequal_durations() -> None:
    # One slot free now, one busy until +5. a (60 min) takes the free one until +60;
    # b (10 min) takes the +5 slot until +15; c then follows b at +15, d at +25; e waits for
    # the earliest of +35 (after d) and +60 (after a).
    starts = simulate_starts(
        now=T,
        limit=2,
        active_finishes=[m(5)],
        queued=[("a", 3600), ("b", 600), ("c", 600), ("d", 600), ("e", 600)],
    )
    assert starts == {"a": m(0), "b": m(5), "c": m(15), "d": m(25), "e": m(35)}


def test_more_queued_jobs_than_slots() -> None:
    starts = simulate_starts(
        now=T, limit=3, active_finishes=[], queued=[(i, 600) for i in range(7)]
    )
    assert [starts[i] for i in range(7)] == [m(0), m(0), m(0), m(10), m(10), m(10), m(20)]


def test_a_job_promoted_to_the_front_starts_first() -> None:
    queue = [("a", 1200), ("b", 1200), ("c", 600)]
    before = simulate_starts(now=T, limit=1, active_finishes=[m(10)], queued=queue)
    assert before == {"a": m(10), "b": m(30), "c": m(50)}
    promoted = [queue[2], *queue[:2]]
    after = simulate_starts(now=T, limit=1, active_finishes=[m(10)], queued=promoted)
    assert after == {"c": m(10), "a": m(20), "b": m(40)}


def test_an_overdue_job_frees_its_slot_any_moment_now() -> None:
    starts = simulate_starts(now=T, limit=1, active_finishes=[m(-30)], queued=[("a", 60)])
    assert starts == {"a": T}


def test_with_more_active_jobs_than_the_lowered_limit() -> None:
    # Three running but the limit is now 2: a slot opens only when two of them have finished.
    starts = simulate_starts(
        now=T, limit=2, active_finishes=[m(10), m(20), m(30)], queued=[("a", 600), ("b", 600)]
    )
    assert starts == {"a": m(20), "b": m(30)}


@pytest.mark.django_db
def test_estimated_starts_from_the_database() -> None:
    set_limits(concurrency_limit=2)
    now = timezone.now()
    # Active 1: started 10 minutes ago with a 30-minute estimate -> frees at now + 20 min.
    a1 = JobFactory(est_duration_seconds=1800, created_at=now - timedelta(hours=1))
    move(a1, JobStatus.PROVISIONING, now=now - timedelta(minutes=10))
    # Active 2: training measured at 1 step/s, 300 of 1000 steps done since it resumed at 100
    # (so 200 steps in 200 s) -> 700 s left + 5 s finalization.
    a2 = JobFactory(
        est_duration_seconds=99999, total_steps=1000, created_at=now - timedelta(hours=1)
    )
    a2 = move(
        a2,
        JobStatus.PROVISIONING,
        now=now - timedelta(minutes=5),
        current_step=300,
        resume_step=100,
        training_started_at=now - timedelta(seconds=200),
    )
    assert active_finish_estimate(a2, now) == now + timedelta(seconds=705)
    q1 = JobFactory(est_duration_seconds=600, created_at=now - timedelta(minutes=3))
    q2 = JobFactory(est_duration_seconds=600, created_at=now - timedelta(minutes=2))
    q3 = JobFactory(est_duration_seconds=600, created_at=now - timedelta(minutes=1))

    starts = estimated_starts(now)
    assert starts == {
        q1.pk: now + timedelta(seconds=705),
        q2.pk: now + timedelta(minutes=20),
        q3.pk: now + timedelta(seconds=705 + 600),
    }
    # Promote q3: it takes q1's place and everyone else shifts back.
    job_promote(job_id=q3.pk, user=UserFactory(role="manager"))
    starts = estimated_starts(now)
    assert starts[q3.pk] == now + timedelta(seconds=705)
    assert starts[q1.pk] == now + timedelta(minutes=20)
    assert starts[q2.pk] == now + timedelta(seconds=705 + 600)
