"""Redis loses its data: leases come back from the database, and nothing exceeds N."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.jobs.models import Attempt, Job, JobStatus
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost
from backend.scheduling.slots import (
    redis_client,
    slot_acquire,
    slot_holders,
    slot_renew,
    slots_flush,
    slots_rebuild,
)
from tests.backend.scheduling.helpers import move, set_limits, statuses
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def _queue(n: int) -> list[Job]:
    base = timezone.now() - timedelta(minutes=5)
    return [JobFactory(created_at=base + timedelta(seconds=i)) for i in range(n)]


def test_a_flushed_redis_is_rebuilt_from_the_database(settings: Any) -> None:
    set_limits(concurrency_limit=3)
    jobs = _queue(5)
    dispatch_queued()
    move(Job.objects.get(pk=jobs[0].pk), JobStatus.RUNNING)
    fences = dict(Job.objects.filter(fence__isnull=False).values_list("pk", "fence"))
    assert len(fences) == 3

    slots_flush()  # Redis restarted without persistence
    assert slot_holders(include_expired=True) == {}

    # The next scheduler run notices, rebuilds, and still starts nothing beyond N.
    assert reap_lost() == []
    assert dispatch_queued() == []
    holders = slot_holders()
    assert {h: lease.fence for h, lease in holders.items()} == {
        str(pk): fence for pk, fence in fences.items()
    }
    assert statuses() == {JobStatus.PROVISIONING: 2, JobStatus.RUNNING: 1, JobStatus.QUEUED: 2}
    # Workers' heartbeats keep working with the fences they already hold.
    running = Job.objects.get(pk=jobs[0].pk)
    assert slot_renew(holder=str(running.pk), fence=running.fence, ttl=30)
    # And no fence is ever reused: the counter resumed above every fence in the database.
    newest = slot_acquire(holder="probe", limit=10, ttl=30)
    assert newest is not None and newest > max(Attempt.objects.values_list("fence", flat=True))


def test_a_flush_before_any_rebuild_still_never_admits_more_than_n() -> None:
    set_limits(concurrency_limit=2)
    _queue(4)
    dispatch_queued()
    slots_flush()
    # The very first call after the flush is an acquire: it rebuilds before admitting anyone.
    assert slot_acquire(holder="intruder", limit=2, ttl=30) is None
    assert len(slot_holders()) == 2


def test_rebuild_is_idempotent_and_keeps_newer_leases() -> None:
    _queue(2)
    dispatch_queued()
    counter_key = f"{_prefix()}slots:counter"
    before = int(redis_client().get(counter_key))
    assert slots_rebuild() == 0
    assert slots_rebuild() == 0
    assert int(redis_client().get(counter_key)) == before
    assert len(slot_holders()) == 2


def _prefix() -> str:
    from django.conf import settings

    return settings.LORA_REDIS_PREFIX
