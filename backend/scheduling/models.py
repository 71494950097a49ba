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
