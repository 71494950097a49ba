from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import migrations


def seed(apps, schema_editor):
    # The type `make run`'s workers (and any CPU-only host) register as: jobs priced for it run
    # on CPU workers only, at a small configurable rate. No FLOPs figure: the estimator has no
    # honest prior for a CPU and says so ("rough") until real runs are measured.
    GpuType = apps.get_model("jobs", "GpuType")
    rate = Decimal(settings.LORA_CPU_HOURLY_RATE)
    GpuType.objects.get_or_create(
        slug="cpu",
        defaults={
            "name": "CPU",
            "memory_gb": 0,
            "spot_hourly_rate": rate,
            "on_demand_hourly_rate": rate,
            "bf16_tflops": 0.0,
            "sort_order": 100,
        },
    )


def unseed(apps, schema_editor):
    apps.get_model("jobs", "GpuType").objects.filter(slug="cpu", jobs__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0003_gpu_type_pool_cap")]
    operations = [migrations.RunPython(seed, unseed)]
