"""A real Redis restart (no persistence) in the middle of runs: nothing lost, never above N."""

from __future__ import annotations

import shutil
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.jobs.models import Job, JobStatus
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost
from backend.scheduling.slots import slot_holders, slot_renew
from tests.backend.scheduling.helpers import move, set_limits, statuses
from tests.backend.scheduling.redis_server import RedisServer
from tests.factories import JobFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def test_a_redis_restart_loses_no_queued_job_and_never_exceeds_n(
    private_redis: RedisServer, django_capture_on_commit_callbacks: Any
) -> None:
    set_limits(concurrency_limit=2)
    base = timezone.now() - timedelta(minutes=5)
    jobs = [JobFactory(created_at=base + timedelta(seconds=i)) for i in range(5)]
    dispatch_queued()
    running = move(Job.objects.get(pk=jobs[0].pk), JobStatus.RUNNING)

    private_redis.stop()  # kill -9: every lease and the fence counter are gone
    private_redis.start()

    # Heartbeats of the surviving worker fail until the scheduler rebuilds the leases...
    assert slot_renew(holder=str(running.pk), fence=running.fence, ttl=30) is False
    assert reap_lost() == []  # ...which its first run does, instead of reaping everyone
    assert slot_renew(holder=str(running.pk), fence=running.fence, ttl=30) is True
    assert dispatch_queued() == []
    assert len(slot_holders()) == 2
    assert statuses() == {JobStatus.RUNNING: 1, JobStatus.PROVISIONING: 1, JobStatus.QUEUED: 3}

    # Work carries on: when the running job completes, exactly one queued job takes its slot,
    # with a fence above every fence issued before the restart.
    old_fences = set(Job.objects.exclude(fence=None).values_list("fence", flat=True))
    with django_capture_on_commit_callbacks(execute=True):  # release + dispatch on commit
        move(running, JobStatus.COMPLETED)
    assert Job.objects.get(pk=jobs[2].pk).status == JobStatus.PROVISIONING
    new_fence = Job.objects.get(pk=jobs[2].pk).fence
    assert new_fence is not None and new_fence > max(old_fences)
    assert len(slot_holders()) == 2
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 2
