from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A team member. Everyone sees the team's jobs; managers may also act on other people's."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MANAGER = "manager", "Manager"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER or self.is_superuser

    @property
    def display_name(self) -> str:
        full = self.get_full_name().strip()
        return full or self.username


class ApiToken(models.Model):
    """A personal API token (`Authorization: Token <key>`). Only the key's sha256 is stored; the
    key itself is shown once, when the token is created. Tokens may expire and are revocable by
    their owner; `last_used_at` is refreshed at most once a minute (see authentication.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the key, so the owner can tell tokens apart in the list.
    key_prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"
