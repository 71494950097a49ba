"""Django's Redis cache with one client per connection pool.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache call; with
redis-py 8 that object sets up ~170 response callbacks each time, about half a millisecond of
CPU here, and a throttled API request makes two or three cache calls. A `redis.Redis` is
thread-safe and cheap to share (connections come from its pool), so each pool gets one.
"""

from __future__ import annotations

from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        # Django's own (untyped in django-stubs) pool helpers: the same pool per index as it
        # would use, wrapped once.
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients.setdefault(index, redis.Redis(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
