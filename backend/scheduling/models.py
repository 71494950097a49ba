from __future__ import annotations

from django.conf import settings
from django.db import models


class SchedulerSettings(models.Model):
    """Runtime-editable scheduling knobs (a single row, edited in admin)."""

    concurrency_limit = models.PositiveIntegerField(default=3)
    max_restarts = models.PositiveIntegerField(default=3)
    # Ageing: each priority level is a head start of this many seconds in the queue, so a job
    # can be passed by later arrivals only for a bounded time (priorities.py).
    priority_ageing_seconds = models.PositiveIntegerField(
        default=1800,
        help_text="Head start of each priority level over the next lower one, in seconds. A "
        "low-priority job is passed by later normal jobs for at most this long, by later high "
        "ones for at most twice this long.",
    )
    # Team defaults of the per-user quotas and budget (a UserQuota row overrides them).
    default_max_running = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Jobs one person may have running at once (empty: no limit).",
    )
    default_max_queued = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Jobs one person may have queued at once (empty: no limit).",
    )
    default_user_monthly_budget = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Dollars one person may spend per calendar month (UTC); empty: no budget.",
    )
    team_monthly_budget = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Dollars the whole team may spend per calendar month (UTC); empty: no budget.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "scheduler settings"
        verbose_name_plural = "scheduler settings"

    def __str__(self) -> str:
        return f"Concurrency limit {self.concurrency_limit}"

    @classmethod
    def load(cls) -> SchedulerSettings:
        obj, _ = cls.objects.get_or_create(
            pk=1,
            defaults={
                "concurrency_limit": settings.LORA_CONCURRENCY_LIMIT,
                "max_restarts": settings.LORA_MAX_RESTARTS,
            },
        )
        return obj


class UserQuota(models.Model):
    """One person's limits, overriding the team defaults of SchedulerSettings (edited in admin).
    An empty field falls back to the team default."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quota"
    )
    max_running = models.PositiveIntegerField(null=True, blank=True)
    max_queued = models.PositiveIntegerField(null=True, blank=True)
    monthly_budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    allow_high_priority = models.BooleanField(
        default=False, help_text="May submit high-priority jobs (managers always may)."
    )

    class Meta:
        verbose_name = "user quota"

    def __str__(self) -> str:
        return f"Quota of {self.user}"


class WorkerState(models.TextChoices):
    IDLE = "idle", "Idle"
    BUSY = "busy", "Busy"
    OFFLINE = "offline", "Offline"


class Worker(models.Model):
    """One training worker process of the fleet, as it last described itself.

    Written only by the worker's own registration/heartbeat (`fleet_heartbeat`) and by the
    claim of an attempt (`current_job`). A worker is live while its last heartbeat is younger
    than LORA_WORKER_TTL_SECONDS; a pool's capacity is its number of live workers.
    """

    # Chosen by the worker (host, process and a random suffix): unique per worker process.
    name = models.CharField(max_length=200, unique=True)
    gpu_type = models.ForeignKey("jobs.GpuType", on_delete=models.PROTECT, related_name="workers")
    host = models.CharField(max_length=200)
    # {"kind": "gpu"|"cpu", "name": ..., "count": ..., "memory_gb": ...} as discovered on the host.
    device = models.JSONField(default=dict)
    # {"python": ..., "torch": ..., ...}: package versions the worker runs.
    software = models.JSONField(default=dict)
    current_job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("gpu_type__sort_order", "name")

    def __str__(self) -> str:
        return self.name
