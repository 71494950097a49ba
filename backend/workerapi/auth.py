"""Per-attempt bearer tokens for GPU workers.

A worker authenticates with the random token the dispatcher generated when it started the
attempt; only its sha256 is stored (`Attempt.token_hash`). The rules, in the order they apply:

- no or malformed token, or a token nobody issued          -> 401
- a token of another job                                   -> 404 (the job is not the worker's)
- the attempt was ended by its own worker                  -> 401 (the token is dead)
- the attempt lost its lease, or a newer attempt exists    -> 409 `stale_attempt` (stop now)

Worker endpoints accept nothing else: no session cookie, no user token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from backend.common.errors import Conflict
from backend.jobs.models import Attempt, AttemptEnd, Job
from backend.jobs.models.attempt import token_hash

KEYWORD = "Bearer"
_ATTEMPT_FIELDS = tuple(f.name for f in Attempt._meta.concrete_fields)


@dataclass
class WorkerPrincipal:
    """`request.user` on worker endpoints: the attempt the token belongs to."""

    attempt: Attempt

    is_authenticated = True
    is_anonymous = False
    is_staff = False

    @property
    def pk(self) -> None:  # never a user: no user-owned object may match it
        return None

    def __str__(self) -> str:
        return f"worker:{self.attempt}"


class AttemptTokenAuthentication(BaseAuthentication):
    """Finds the Attempt whose token hash matches the bearer token."""

    def authenticate(self, request: Request) -> tuple[WorkerPrincipal, Attempt] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None  # -> NotAuthenticated (401) through the permission check
        parts = header.split()
        if len(parts) != 2 or parts[0] != KEYWORD or not parts[1]:
            raise exceptions.AuthenticationFailed("Expected 'Authorization: Bearer <token>'.")
        # The job comes with its attempt number only: that is all the token rules read
        # (check_attempt), and every write locks and reads the whole row anyway
        # (lock_for_write). Joining all of the job's columns here made authentication the
        # most expensive part of a metric report.
        attempt = (
            Attempt.objects.select_related("job")
            .only(*_ATTEMPT_FIELDS, "job__attempt")
            .filter(token_hash=token_hash(parts[1]))
            .first()
        )
        if attempt is None:
            raise exceptions.AuthenticationFailed("Unknown worker token.")
        return WorkerPrincipal(attempt), attempt

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) with a WWW-Authenticate challenge.
        return f'{KEYWORD} realm="worker"'


class HasAttemptToken(BasePermission):
    """Only a request authenticated by an attempt token passes (a forced or session user
    does not), so every worker view can rely on `request.auth` being the Attempt."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, Attempt)


def check_attempt(attempt: Attempt, *, job_id: Any) -> None:
    """Apply the token rules that need the URL's job (see the module docstring)."""
    if str(attempt.job_id) != str(job_id):
        raise exceptions.NotFound("No such job for this worker.")
    job: Job = attempt.job
    if attempt.number < job.attempt or attempt.end_reason == AttemptEnd.LOST:
        raise Conflict(
            "This attempt is stale (its lease was lost or a newer attempt started); stop.",
            code="stale_attempt",
        )
    if not attempt.is_open:
        raise exceptions.AuthenticationFailed(
            "This attempt has ended; its token is no longer valid."
        )


def check_fence(attempt: Attempt, *, number: Any, fence: Any) -> None:
    """Every write repeats (attempt, fence); a mismatch means a confused or stale writer."""
    try:
        same = int(number) == attempt.number and int(fence) == attempt.fence
    except (TypeError, ValueError):
        same = False
    if not same:
        raise Conflict(
            f"attempt/fence do not match this token's attempt ({attempt.number}); stop.",
            code="stale_attempt",
        )
