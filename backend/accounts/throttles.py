"""DRF throttles (counted in Redis through Django's cache; rates in REST_FRAMEWORK settings).

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


class UserRateThrottle(throttling.UserRateThrottle):
    scope = "user"


class SignInRateThrottle(throttling.AnonRateThrottle):
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
