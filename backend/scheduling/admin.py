from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from backend.scheduling.fleet import worker_state
from backend.scheduling.models import SchedulerSettings, Worker


@admin.register(SchedulerSettings)
class SchedulerSettingsAdmin(admin.ModelAdmin[SchedulerSettings]):
    """One row; the dispatcher reads it on every run, so changes apply within seconds."""

    list_display = ("concurrency_limit", "max_restarts", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SchedulerSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Worker)
class WorkerAdmin(admin.ModelAdmin[Worker]):
    """The fleet as workers describe themselves; read-only (workers write it by heartbeat)."""

    list_display = ("name", "gpu_type", "host", "state", "current_job", "last_seen_at")
    list_filter = ("gpu_type",)
    search_fields = ("name", "host")
    readonly_fields = (
        "name",
        "gpu_type",
        "host",
        "device",
        "software",
        "current_job",
        "registered_at",
        "last_seen_at",
    )

    @admin.display(description="state")
    def state(self, obj: Worker) -> str:
        return worker_state(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
