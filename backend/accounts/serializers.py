from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.accounts.models import ApiToken, User
from backend.common.parsing import Rfc3339DateTimeField


class UserSummarySerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "display_name")
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)
    is_manager = serializers.BooleanField(read_only=True)
    # Not `format: email`: a user may have no address (an empty string).
    email = serializers.CharField(read_only=True, help_text="Empty when the user has none.")

    class Meta:
        model = User
        fields = ("id", "username", "display_name", "email", "is_manager")
        read_only_fields = fields


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class TokenCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, default="API token")
    expires_at = Rfc3339DateTimeField(
        required=False, allow_null=True, default=None, help_text="Never expires when null."
    )


class LoginTokenSerializer(LoginSerializer, TokenCreateSerializer):
    """Sign-in fields plus the new token's optional name and expiry."""


TOKEN_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "key_prefix",
    "created_at",
    "expires_at",
    "last_used_at",
)


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    class Meta:
        model = ApiToken
        fields = TOKEN_FIELDS
        read_only_fields = fields


class TokenSerializer(ApiTokenSerializer):
    """A new token: the only reply that carries the key."""

    token = serializers.CharField(read_only=True, help_text="Shown once; only a hash is kept.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ("token", *TOKEN_FIELDS)
        read_only_fields = fields
