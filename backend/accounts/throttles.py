"""DRF throttles (counted in Redis through Django's cache; rates in REST_FRAMEWORK settings).

The rate throttles count with a sliding-window counter (`SlidingWindowRateThrottle`), not
DRF's list of request times: DRF reads, unpickles, extends, pickles and writes that list on
every request, so a user at 1,200/min paid for a 1,200-element list each time.

- `UserRateThrottle`: every user endpoint, per signed-in user (session or token).
- `SignInRateThrottle`: sign-in and token creation per client IP.
- `SignInLockout`: the back-off after failed sign-ins, per IP and per user name
  (services.sign_in_failure_record).
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework import throttling
from rest_framework.request import Request

from backend.accounts.services import sign_in_lock_remaining


class SlidingWindowRateThrottle(throttling.SimpleRateThrottle):
    """At most `num_requests` per `duration`, over a window that slides.

    Two counters per client: this fixed window's and the previous one's. The previous window
    counts in proportion to how much of it still lies within the last `duration` seconds
    (Cloudflare's sliding-window counter): O(1) state, one cache read and one increment per
    allowed request, and no burst of twice the rate at a window boundary. Refused requests
    are not counted, as in DRF.
    """

    # Set by SimpleRateThrottle.__init__ from the scope's rate (not in the DRF stubs).
    num_requests: int
    duration: int

    def __init__(self) -> None:
        super().__init__()
        self._wait = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        current_key, previous_key = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        counts = self.cache.get_many([current_key, previous_key])
        current, previous = counts.get(current_key, 0), counts.get(previous_key, 0)
        elapsed = now - window * self.duration
        self._wait = window_wait(
            limit=self.num_requests,
            duration=self.duration,
            elapsed=elapsed,
            current=current,
            previous=previous,
        )
        if self._wait > 0:
            return False
        # Kept for two windows: the next window still weighs this one.
        if not self.cache.add(current_key, 1, 2 * self.duration):
            try:
                self.cache.incr(current_key)
            except ValueError:  # expired between add() and incr()
                self.cache.add(current_key, 1, 2 * self.duration)
        return True

    def wait(self) -> float | None:
        return float(math.ceil(self._wait))


def window_wait(
    *, limit: int, duration: float, elapsed: float, current: int, previous: int
) -> float:
    """Seconds until one more request fits (0: it fits now), `elapsed` seconds into the
    current window, with `current` requests in it and `previous` in the window before.

    The estimate is `previous * (1 - t / duration) + current` at `t` seconds into the window;
    a request fits while it is below `limit`.
    """
    weight = 1.0 - elapsed / duration
    if previous * weight + current < limit:
        return 0.0
    if current < limit:
        # This window: wait for the previous window's share to fall below the room left.
        fits_at = duration * (1.0 - (limit - current) / previous)
        return max(fits_at - elapsed, 1e-3)
    if limit <= 0:  # a rate of 0: nothing ever fits; answer with the window's end
        return max(duration - elapsed, 1e-3)
    # Only the next window has room: its estimate is `current * (1 - t / duration)`.
    return (duration - elapsed) + duration * (1.0 - limit / current)


class UserRateThrottle(SlidingWindowRateThrottle, throttling.UserRateThrottle):
    scope = "user"


class SignInRateThrottle(SlidingWindowRateThrottle, throttling.AnonRateThrottle):
    """Per client IP, signed in or not (REMOTE_ADDR; REST_FRAMEWORK["NUM_PROXIES"] says how many
    proxies' X-Forwarded-For entries to trust)."""

    scope = "sign_in"

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInLockout(throttling.BaseThrottle):
    def __init__(self) -> None:
        self.remaining = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        self.remaining = sign_in_lock_remaining(
            ip=self.get_ident(request), username=username if isinstance(username, str) else ""
        )
        return self.remaining <= 0

    def wait(self) -> float | None:
        return float(math.ceil(self.remaining))
