from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from backend.scheduling.budgets import Spend, month_spend
from backend.scheduling.fleet import worker_state
from backend.scheduling.models import SchedulerSettings, UserQuota, Worker


def _month_text(spend: Spend) -> str:
    return f"${spend.spent:.2f} spent, ${spend.committed:.2f} committed ({spend.jobs} jobs)"


@admin.register(SchedulerSettings)
class SchedulerSettingsAdmin(admin.ModelAdmin[SchedulerSettings]):
    """One row; the dispatcher reads it on every run, so changes apply within seconds. Also the
    team defaults of quotas and budgets, and the team's spend this month."""

    list_display = (
        "concurrency_limit",
        "max_restarts",
        "priority_ageing_seconds",
        "team_monthly_budget",
        "team_spend_this_month",
        "updated_at",
    )
    readonly_fields = ("team_spend_this_month", "updated_at")

    @admin.display(description="team spend this month")
    def team_spend_this_month(self, obj: SchedulerSettings) -> str:
        return _month_text(month_spend(now=timezone.now()).team)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SchedulerSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UserQuota)
class UserQuotaAdmin(admin.ModelAdmin[UserQuota]):
    """A person's limits; empty fields take the team defaults (Scheduler settings)."""

    list_display = (
        "user",
        "max_running",
        "max_queued",
        "monthly_budget",
        "allow_high_priority",
        "spend_this_month",
    )
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
    readonly_fields = ("spend_this_month",)

    @admin.display(description="spend this month")
    def spend_this_month(self, obj: UserQuota) -> str:
        if obj.user_id is None:
            return "-"
        return _month_text(month_spend(now=timezone.now()).users.get(obj.user_id, Spend()))


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
