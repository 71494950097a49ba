from __future__ import annotations

from decimal import Decimal

from django.db import models

from worker.contract.names import CPU_GPU_TYPE, pool_queue

CPU_SLUG = CPU_GPU_TYPE


class GpuType(models.Model):
    """A rentable GPU (or the CPU type `make run` trains on) and its hourly prices; edited by
    admins as providers change prices. Each type is a pool: its jobs run only on its workers."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    memory_gb = models.PositiveIntegerField()
    spot_hourly_rate = models.DecimalField(max_digits=8, decimal_places=4)
    on_demand_hourly_rate = models.DecimalField(max_digits=8, decimal_places=4)
    # Dense bf16 throughput, used by the estimator before any job has run on this GPU.
    bf16_tflops = models.FloatField(default=0.0)
    is_active = models.BooleanField(default=True)
    # Optional cap on how many of this type's workers may run jobs at once (admin); the pool's
    # capacity is otherwise its number of live workers.
    max_workers = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="At most this many jobs of this type run at once (empty: one per live worker).",
    )
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return self.name

    @property
    def queue_name(self) -> str:
        """The Celery queue this type's workers consume (see worker.celery_app)."""
        return pool_queue(self.slug)

    def hourly_rate(self, pricing: str) -> Decimal:
        return self.spot_hourly_rate if pricing == "spot" else self.on_demand_hourly_rate
