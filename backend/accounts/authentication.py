"""`Authorization: Token <key>` with personal API tokens (hashed at rest, optional expiry), and
`signed_in_user`: the request's user as the project's User model."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from backend.accounts.models import ApiToken, User
from backend.accounts.services import token_hash

KEYWORD = "Token"
# last_used_at is a hint for the owner, not an audit log: one write a minute per token at most.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if not parts or parts[0] != KEYWORD:
            return None  # another scheme (or none): the session may still authenticate
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Expected 'Authorization: Token <key>'.")
        token = (
            ApiToken.objects.select_related("user").filter(key_hash=token_hash(parts[1])).first()
        )
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
