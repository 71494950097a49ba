"""GPU slot leases in Redis: the concurrency limit and each pool's capacity, enforced atomically.

A lease is held by a job (holder = str(job.id)) and carries a fencing token (`fence`) from a
counter that only grows. Leases expire unless renewed (worker heartbeats), so a dead worker's slot
comes back by itself. Every script reads the Redis server's clock (TIME), so clocks of the web,
scheduler and worker hosts never matter. Redis 7 replicates script effects, which is what makes
TIME legal inside a script that writes.

Keys (all under settings.LORA_REDIS_PREFIX):
    slots:expiry   ZSET holder -> lease expiry (ms, Redis clock)
    slots:fence    HASH holder -> fence of that lease
    slots:counter  the last fence handed out; its absence means Redis lost its data (restart
                   without persistence) and the leases must be rebuilt from the database first.
    slots:pool     HASH holder -> pool (GPU type slug) of that lease: a lease counts against the
                   global limit and against its pool's capacity, both checked in one script.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db.models import Max

_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ARGV: holder, limit, ttl_ms, pool, pool_limit (< 0: no pool limit).
# Returns the new fence, 0 when every slot is taken, -2 when the holder's pool is full, -1 when
# the counter is missing (rebuild). The pool count is a scan of the live leases: at most `limit`
# of them, so it stays cheap, and it happens inside the script, so racing dispatchers can never
# both take a pool's last slot.
_ACQUIRE = (
    """
if redis.call('EXISTS', KEYS[3]) == 0 then return -1 end
"""
    + _NOW_MS
    + """
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, h in ipairs(expired) do
  redis.call('HDEL', KEYS[2], h)
  redis.call('HDEL', KEYS[4], h)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not held then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
  local pool_limit = tonumber(ARGV[5])
  if pool_limit >= 0 then
    local in_pool = 0
    for _, h in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
      if redis.call('HGET', KEYS[4], h) == ARGV[4] then in_pool = in_pool + 1 end
    end
    if in_pool >= pool_limit then return -2 end
  end
end
local fence = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], fence)
redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
return fence
"""
)

_RENEW = (
    _NOW_MS
    + """
local exp = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not exp or tonumber(exp) <= now then return 0 end
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 1
"""
)

_RELEASE = """
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
"""

# Returns {now, holder1, fence1, expiry1, holder2, ...} read in one atomic step.
_HOLDERS = (
    _NOW_MS
    + """
local out = {tostring(now)}
local rows = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #rows, 2 do
  table.insert(out, rows[i])
  table.insert(out, redis.call('HGET', KEYS[2], rows[i]) or '0')
  table.insert(out, rows[i + 1])
end
return out
"""
)

# ARGV: min_counter, then (holder, fence, ttl_ms, pool) quadruples. Adds only leases that are
# missing and never lowers the counter, so running it twice (or racing another rebuild) is harmless.
_REBUILD = (
    _NOW_MS
    + """
local counter = tonumber(redis.call('GET', KEYS[3]) or '0')
if tonumber(ARGV[1]) > counter then redis.call('SET', KEYS[3], ARGV[1]) end
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], 0) end
local added = 0
for i = 2, #ARGV, 4 do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[i + 2]), ARGV[i])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 3])
    added = added + 1
  end
end
return added
"""
)


@dataclass(frozen=True)
class Lease:
    fence: int
    expires_at: datetime


class _Scripts:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.acquire = client.register_script(_ACQUIRE)
        self.renew = client.register_script(_RENEW)
        self.release = client.register_script(_RELEASE)
        self.holders = client.register_script(_HOLDERS)
        self.rebuild = client.register_script(_REBUILD)


_lock = threading.Lock()
_by_url: dict[str, _Scripts] = {}


def redis_url() -> str:
    return settings.REDIS_URL or settings.CELERY_BROKER_URL


def _scripts() -> _Scripts:
    # One client per URL (tests and `make run` may point REDIS_URL elsewhere after import).
    # redis-py's pool notices a fork and reconnects, so forked processes can share this.
    url = redis_url()
    found = _by_url.get(url)
    if found is None:
        with _lock:
            found = _by_url.get(url)
            if found is None:
                found = _by_url[url] = _Scripts(redis.Redis.from_url(url))
    return found


def redis_client() -> redis.Redis:
    """The module's Redis client (shared connection pool) for settings.REDIS_URL."""
    return _scripts().client


def _keys() -> list[str]:
    prefix = settings.LORA_REDIS_PREFIX
    return [
        f"{prefix}slots:expiry",
        f"{prefix}slots:fence",
        f"{prefix}slots:counter",
        f"{prefix}slots:pool",
    ]


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


def _dt(ms: float) -> datetime:
    return datetime.fromtimestamp(float(ms) / 1000.0, tz=UTC)


POOL_FULL = -2


def slot_admit(
    *, holder: str, limit: int, ttl: float, pool: str = "", pool_limit: int | None = None
) -> int:
    """Take a slot for `holder` in `pool` if fewer than `limit` unexpired leases exist and fewer
    than `pool_limit` of them are in `pool`; return its fence, 0 (every slot taken) or POOL_FULL.

    Expired leases are dropped first. A holder that already has a lease keeps a single lease but
    gets a fresh fence (the old one is dead). `pool_limit=None`: no pool limit.
    """
    scripts = _scripts()
    args: list[str | int] = [
        holder,
        int(limit),
        _ms(ttl),
        pool,
        -1 if pool_limit is None else max(int(pool_limit), 0),
    ]
    result = int(scripts.acquire(keys=_keys(), args=args))
    if result == -1:
        # Redis lost its data: restore the leases of running jobs (and the fence counter)
        # before handing out anything, or we would admit more than N and reuse fences.
        slots_rebuild()
        result = int(scripts.acquire(keys=_keys(), args=args))
    return result


def slot_acquire(*, holder: str, limit: int, ttl: float) -> int | None:
    """Take a slot for `holder` if fewer than `limit` unexpired leases exist (any pool); return
    its fence, or None when every slot is taken."""
    result = slot_admit(holder=holder, limit=limit, ttl=ttl)
    return result if result > 0 else None


def slot_renew(*, holder: str, fence: int, ttl: float) -> bool:
    """Extend an unexpired lease held with exactly this fence; False means the lease is lost."""
    return bool(_scripts().renew(keys=_keys(), args=[holder, int(fence), _ms(ttl)]))


def slot_release(*, holder: str, fence: int) -> bool:
    """Give a slot back; only the lease with this fence is removed (a newer one stays)."""
    return bool(_scripts().release(keys=_keys(), args=[holder, int(fence)]))


def slot_holders(*, include_expired: bool = False) -> dict[str, Lease]:
    """Current leases by holder, judged expired or not by the Redis clock."""
    raw = _scripts().holders(keys=_keys())
    now = int(raw[0])
    out: dict[str, Lease] = {}
    for i in range(1, len(raw), 3):
        expiry = float(raw[i + 2])
        if include_expired or expiry > now:
            out[raw[i].decode()] = Lease(fence=int(raw[i + 1]), expires_at=_dt(expiry))
    return out


def slot_lease(*, holder: str) -> Lease | None:
    """The holder's unexpired lease, if any."""
    return slot_holders().get(holder)


def slots_ensure() -> bool:
    """Rebuild the leases if Redis lost its data; True when a rebuild ran."""
    if redis_client().exists(_keys()[2]):
        return False
    slots_rebuild()
    return True


def slots_rebuild() -> int:
    """Restore leases from the jobs the database says hold a slot; return how many were added.

    Each provisioning/running/cancelling job gets its lease back with the fence stored on it (so
    its worker's heartbeats keep working), and the fence counter is raised above every fence the
    database knows, so no fence is ever issued twice. Existing leases are left alone.
    """
    from backend.jobs.models import ACTIVE_STATUSES, Attempt, Job, JobStatus

    rows = list(
        Job.objects.filter(status__in=ACTIVE_STATUSES, fence__isnull=False).values_list(
            "id", "fence", "status", "gpu_type__slug"
        )
    )
    highest = max(
        Attempt.objects.aggregate(m=Max("fence"))["m"] or 0,
        Job.objects.aggregate(m=Max("fence"))["m"] or 0,
    )
    args: list[str | int] = [int(highest)]
    for job_id, fence, status, pool in rows:
        assert fence is not None  # filtered above
        ttl = (
            settings.LORA_PROVISIONING_GRACE_SECONDS
            if status == JobStatus.PROVISIONING
            else settings.LORA_LEASE_TTL_SECONDS
        )
        args += [str(job_id), int(fence), _ms(ttl), pool]
    return int(_scripts().rebuild(keys=_keys(), args=args))


def slots_flush() -> None:
    """Delete every slot key under this deployment's prefix (tests, disaster drills)."""
    client = redis_client()
    keys = list(client.scan_iter(match=f"{settings.LORA_REDIS_PREFIX}*", count=500))
    if keys:
        client.delete(*keys)
