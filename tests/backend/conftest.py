"""Fixtures for every backend test: private Redis keys for the slot leases and the cache
(throttle counts), and captured task sends (the dispatcher runs whenever a slot changes; its
`worker.run_job` must not reach a real broker from a unit test)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from backend.scheduling import dispatch
from backend.scheduling.slots import slots_flush


@pytest.fixture(autouse=True)
def redis_prefix(settings: Any) -> Iterator[str]:
    # Other people's test runs share this Redis server: use our own keys and delete only them.
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    settings.LORA_REDIS_PREFIX = prefix
    # Throttle counts and sign-in lockouts live in the cache: private keys per test too (changing
    # CACHES makes Django open a new cache with this prefix).
    if "Redis" in settings.CACHES["default"]["BACKEND"]:
        settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": prefix}}
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
