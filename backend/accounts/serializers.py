from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.accounts.models import User


class UserSummarySerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "display_name")
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer[User]):
    display_name = serializers.CharField(read_only=True)
    is_manager = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "display_name", "email", "is_manager")
        read_only_fields = fields


class LoginSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(read_only=True)
