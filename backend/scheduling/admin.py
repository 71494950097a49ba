from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.scheduling.models import SchedulerSettings


@admin.register(SchedulerSettings)
class SchedulerSettingsAdmin(admin.ModelAdmin[SchedulerSettings]):
    """One row; the dispatcher reads it on every run, so changes apply within seconds."""

    list_display = ("concurrency_limit", "max_restarts", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SchedulerSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
