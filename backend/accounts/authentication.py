"""`Authorization: Token <key>` with personal API tokens (hashed at rest, optional expiry), and
`signed_in_user`: the request's user as the project's User model."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from backend.accounts.models import ApiToken, User
from backend.accounts.services import token_hash
from backend.common.rows import columns_sql, row_instance, table_sql

KEYWORD = "Token"
# last_used_at is a hint for the owner, not an audit log: one write a minute per token at most.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_TOKEN_FIELDS = tuple(f.name for f in ApiToken._meta.concrete_fields)
_USER_FIELDS = tuple(f.name for f in User._meta.concrete_fields)
# The token and its whole user (request.user), written once (backend/common/rows.py): every
# dashboard poll authenticates, and through the ORM (`select_related("user")`) building and
# compiling this lookup cost more CPU than PostgreSQL spent running it.
_BY_KEY_HASH = (
    f"SELECT {columns_sql(ApiToken, _TOKEN_FIELDS, alias='t')}, "
    f"{columns_sql(User, _USER_FIELDS, alias='u')} "
    f"FROM {table_sql(ApiToken)} t JOIN {table_sql(User)} u ON u.id = t.user_id "
    "WHERE t.key_hash = %s"
)


def token_by_key(key: str) -> ApiToken | None:
    """The personal API token whose key this is, with its user loaded, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_BY_KEY_HASH, [token_hash(key)])
        row = cursor.fetchone()
    if row is None:
        return None
    token = row_instance(ApiToken, _TOKEN_FIELDS, row[: len(_TOKEN_FIELDS)])
    token.user = row_instance(User, _USER_FIELDS, row[len(_TOKEN_FIELDS) :])
    return token


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if not parts or parts[0] != KEYWORD:
            return None  # another scheme (or none): the session may still authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Expected 'Authorization: Token <key>'.")
        token = token_by_key(parts[1])
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid token.")
        now = timezone.now()
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed("This token has expired.")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{KEYWORD} realm="api"'


def signed_in_user(request: HttpRequest | Request) -> User:
    """The request's signed-in user. Views that call it require authentication already, so an
    anonymous user here is refused the same way (401) rather than reaching a service."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user
