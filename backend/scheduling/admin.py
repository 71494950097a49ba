from __future__ import annotations

from django.contrib import admin

from backend.scheduling.models import SchedulerSettings


@admin.register(SchedulerSettings)
class SchedulerSettingsAdmin(admin.ModelAdmin[SchedulerSettings]):
    list_display = ("concurrency_limit", "max_restarts", "updated_at")
