from __future__ import annotations

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
