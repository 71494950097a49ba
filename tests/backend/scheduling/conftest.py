"""Scheduling fixtures: a private redis-server for the restart and chaos tests (the per-test
Redis key prefix and the captured task sends come from tests/backend/conftest.py)."""

from __future__ import annotations

from tests.backend.scheduling.redis_server import private_redis  # noqa: F401 (fixture)
