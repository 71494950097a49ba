"""A real Redis restart (no persistence) in the middle of runs: nothing lost, never above N."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from django.utils import timezone

from backend.jobs.models import Job, JobStatus
from backend.scheduling.dispatch import dispatch_queued
from backend.scheduling.reaper import reap_lost
from backend.scheduling.slots import slot_holders, slot_renew
from tests.backend.scheduling.helpers import move, set_limits, statuses
from tests.factories import JobFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """A private, persistence-free redis-server we can stop and start again."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(settings: Any, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(_free_port(), tmp_path)
    server.start()
    shared = settings.REDIS_URL
    settings.REDIS_URL = server.url
    try:
        yield server
    finally:
        settings.REDIS_URL = shared  # the prefix fixture cleans up on the shared server
        server.stop()


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
