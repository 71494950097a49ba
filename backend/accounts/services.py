"""Sign-in with back-off, and personal API tokens.

Failed sign-ins are counted in Redis (Django's cache) per client IP and per user name for
`FAILURE_WINDOW_SECONDS`. From the `FAILURES_BEFORE_LOCK`-th failure on, that IP or name is
locked for `LOCK_BASE_SECONDS`, doubling with every further failure up to `LOCK_MAX_SECONDS`;
a locked sign-in is answered 429 with Retry-After before the password is even checked (see
throttles.SignInLockout). A successful sign-in clears the name's count.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from datetime import datetime

from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from backend.accounts.models import ApiToken, User
from backend.common.errors import ApplicationError, Conflict

FAILURES_BEFORE_LOCK = 5
FAILURE_WINDOW_SECONDS = 15 * 60
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 15 * 60
MAX_TOKENS_PER_USER = 50
TOKEN_PREFIX = "lp_"


def _subject_keys(*, ip: str, username: str) -> list[str]:
    keys = [f"signin:ip:{ip}"]
    if username:
        # Hashed: a user name may hold any character, a cache key may not.
        name = hashlib.sha256(username.strip().lower().encode("utf-8", "replace")).hexdigest()
        keys.append(f"signin:user:{name}")
    return keys


def sign_in_lock_remaining(*, ip: str, username: str) -> float:
    """Seconds until this IP and this user name may try again (0: not locked)."""
    now = time.time()
    until = cache.get_many([f"{key}:lock" for key in _subject_keys(ip=ip, username=username)])
    return max([0.0, *(float(v) - now for v in until.values())])


def sign_in_failure_record(*, ip: str, username: str) -> None:
    for key in _subject_keys(ip=ip, username=username):
        cache.add(f"{key}:failures", 0, FAILURE_WINDOW_SECONDS)
        failures = cache.incr(f"{key}:failures")
        if failures >= FAILURES_BEFORE_LOCK:
            seconds = min(
                LOCK_BASE_SECONDS * 2 ** (failures - FAILURES_BEFORE_LOCK), LOCK_MAX_SECONDS
            )
            cache.set(f"{key}:lock", time.time() + seconds, seconds)


def user_sign_in(*, request: HttpRequest, ip: str, username: str, password: str) -> User:
    """Check a user name and password; a failure counts towards the lockout."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        sign_in_failure_record(ip=ip, username=username)
        raise ApplicationError(
            "Unable to sign in with those credentials.",
            code="invalid_credentials",
            fields={"password": ["Wrong username or password."]},
        )
    user_key = _subject_keys(ip=ip, username=username)[-1]
    cache.delete_many([f"{user_key}:failures", f"{user_key}:lock"])
    assert isinstance(user, User)
    return user


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(
    *, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token; returns it with its key, which is not stored and never shown again."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(
            "The expiry is in the past.",
            code="validation_error",
            fields={"expires_at": ["Must be in the future."]},
        )
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
        raise Conflict(
            f"You have {MAX_TOKENS_PER_USER} tokens; revoke one first.", code="too_many_tokens"
        )
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_prefix=key[:8],
        key_hash=token_hash(key),
        expires_at=expires_at,
    )
    return token, key


def api_token_revoke(*, user: User, token_id: uuid.UUID | str) -> None:
    """Delete one of the user's own tokens (another user's token is 'not found')."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise ApplicationError("No such token.", code="not_found", status_code=404)


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
