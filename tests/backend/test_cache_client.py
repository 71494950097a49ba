"""The Redis cache reuses one client per connection pool (backend/common/cache.py)."""

from __future__ import annotations

import threading

from django.core.cache import caches

from backend.common.cache import RedisCache


def test_cache_calls_share_one_redis_client() -> None:
    cache = caches["default"]
    assert isinstance(cache, RedisCache)  # the tests run against the real Redis
    client = cache._cache
    assert client.get_client(write=True) is client.get_client(write=True)
    assert client.get_client(write=False) is client.get_client(write=False)
    # A working client, shared by threads.
    cache.set("shared-client", 1)
    seen: list[object] = []
    thread = threading.Thread(target=lambda: seen.append(caches["default"].get("shared-client")))
    thread.start()
    thread.join()
    assert seen == [1]
