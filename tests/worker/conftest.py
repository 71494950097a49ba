"""Fixtures of the worker tests (no Django needed by the worker itself, only by the API side)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from worker.api_client import ApiClient


def wait_for(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.05) -> Any:
    """Poll until `predicate()` is truthy; fail with a clear message at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture
def fast_client() -> Callable[..., ApiClient]:
    """An ApiClient with tiny backoff so retry tests run in milliseconds."""

    def make(api_url: str, **kw: Any) -> ApiClient:
        defaults: dict[str, Any] = {
            "job_id": "00000000-0000-0000-0000-000000000001",
            "token": "t0ken",
            "attempt": 1,
            "fence": 7,
            "backoff_base": 0.01,
            "backoff_cap": 0.05,
            "retry_budget": 5.0,
            "timeout": 10.0,
        }
        return ApiClient(api_url=api_url, **{**defaults, **kw})

    return make
