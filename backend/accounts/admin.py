from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from rest_framework.authtoken.models import TokenProxy

from backend.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Team", {"fields": ("role",)}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Admins may see and revoke tokens; keys are never shown (only their hash is stored)."""

    list_display = ("name", "user", "key_prefix", "created_at", "expires_at", "last_used_at")
    list_filter = ("user",)
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: Any) -> bool:
        return False


# Plaintext DRF tokens are not used any more (migrated to ApiToken); hide their empty admin.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
