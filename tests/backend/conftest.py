"""Fixtures for every backend test: private Redis keys for the slot leases, and captured task
sends (the dispatcher runs whenever a slot changes; its `worker.run_job` must not reach a real
broker from a unit test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from backend.scheduling import dispatch
from backend.scheduling.slots import slots_flush


@pytest.fixture(autouse=True)
def redis_prefix(settings: Any) -> Iterator[str]:
    # Other people's test runs share this Redis server: use our own keys and delete only them.
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    settings.LORA_REDIS_PREFIX = prefix
    yield prefix
    slots_flush()


@pytest.fixture(autouse=True)
def sent_tasks(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every `worker.run_job` the dispatcher sends, instead of putting it on the broker."""
    sent: list[dict[str, Any]] = []

    def send_task(name: str, *, kwargs: dict[str, Any], queue: str, **_: Any) -> None:
        # The queue is the job's pool: `training.<gpu type slug>`.
        assert name == "worker.run_job" and queue.startswith("training."), (name, queue)
        sent.append({**kwargs, "queue": queue})

    monkeypatch.setattr(dispatch.celery_app, "send_task", send_task)
    return sent


FLEET_SIZE = 8


@pytest.fixture(autouse=True)
def fleet(request: pytest.FixtureRequest) -> None:
    """Live workers for every GPU type (FLEET_SIZE each), so tests about other things find the
    pools open as a real deployment would; the pool tests delete them and register their own."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = bool(marker.kwargs.get("transaction")) or bool(
        marker.args and marker.args[0] is True
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.utils import timezone

    from backend.jobs.models import GpuType
    from backend.scheduling.models import Worker
    from tests.factories import GpuTypeFactory

    # A transactional test starts from an empty catalog (the flush removed the seeded rows):
    # the factories' type must have its workers too.
    GpuTypeFactory()
    # Far in the future: a test that moves its clock forward still sees them live.
    seen = timezone.now() + timedelta(days=3650)
    Worker.objects.bulk_create(
        Worker(
            name=f"test-{gpu.slug}-{i}",
            gpu_type=gpu,
            host="test-host",
            device={"kind": "cpu", "name": "test", "count": 1, "memory_gb": None},
            software={},
            last_seen_at=seen,
        )
        for gpu in GpuType.objects.all()
        for i in range(FLEET_SIZE)
    )
