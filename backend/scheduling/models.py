from __future__ import annotations

from django.conf import settings
from django.db import models


class SchedulerSettings(models.Model):
    """Runtime-editable scheduling knobs (a single row, edited in admin)."""

    concurrency_limit = models.PositiveIntegerField(default=3)
    max_restarts = models.PositiveIntegerField(default=3)
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
