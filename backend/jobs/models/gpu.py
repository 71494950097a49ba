from __future__ import annotations

from decimal import Decimal

from django.db import models


class GpuType(models.Model):
    """A rentable GPU and its hourly prices; edited by admins as providers change prices."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=64)
    memory_gb = models.PositiveIntegerField()
    spot_hourly_rate = models.DecimalField(max_digits=8, decimal_places=4)
    on_demand_hourly_rate = models.DecimalField(max_digits=8, decimal_places=4)
    # Dense bf16 throughput, used by the estimator before any job has run on this GPU.
    bf16_tflops = models.FloatField(default=0.0)
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("sort_order", "name")

    def __str__(self) -> str:
        return self.name

    def hourly_rate(self, pricing: str) -> Decimal:
        return self.spot_hourly_rate if pricing == "spot" else self.on_demand_hourly_rate
