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

from django.db import connection
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from backend.common.errors import Conflict
from backend.common.rows import columns_sql, row_instance, table_sql
from backend.jobs.models import Attempt, AttemptEnd, Job
from backend.jobs.models.attempt import token_hash

KEYWORD = "Bearer"
_ATTEMPT_FIELDS = tuple(f.name for f in Attempt._meta.concrete_fields)
# The attempt and its job's attempt number: all the token rules read (check_attempt); every
# write locks and reads the job row itself (lock_for_write). Written once (rows.py): through
# the ORM, this lookup was the most expensive statement of a metric report.
_BY_TOKEN = (
    f"SELECT {columns_sql(Attempt, _ATTEMPT_FIELDS, alias='a')}, j.attempt "
    f"FROM {table_sql(Attempt)} a JOIN {table_sql(Job)} j ON j.id = a.job_id "
    "WHERE a.token_hash = %s"
)


def attempt_by_token(token: str) -> Attempt | None:
    """The attempt a worker token belongs to, with its job (only the job's attempt number
    loaded), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_TOKEN, [token_hash(token)])
        row = cursor.fetchone()
    if row is None:
        return None
    attempt = row_instance(Attempt, _ATTEMPT_FIELDS, row[:-1])
    raw_job_id = row[_ATTEMPT_FIELDS.index("job")]
    attempt.job = row_instance(Job, ("id", "attempt"), (raw_job_id, row[-1]))
    return attempt


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
        attempt = attempt_by_token(parts[1])
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
