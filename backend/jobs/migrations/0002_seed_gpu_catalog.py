from __future__ import annotations

from decimal import Decimal

from django.db import migrations

# Public list prices at the time of writing; admins edit them in Django admin as they change.
CATALOG = [
    # slug, name, memory GB, spot $/h, on-demand $/h, dense bf16 TFLOPS
    ("h100-80gb", "H100", 80, "2.49", "4.49", 989.0),
    ("h200-141gb", "H200", 141, "3.19", "5.49", 989.0),
    ("a100-80gb", "A100 80GB", 80, "1.29", "2.29", 312.0),
    ("l40s-48gb", "L40S", 48, "0.79", "1.49", 362.0),
    ("a10g-24gb", "A10G", 24, "0.45", "1.01", 125.0),
]


def seed(apps, schema_editor):
    GpuType = apps.get_model("jobs", "GpuType")
    for order, (slug, name, mem, spot, od, tflops) in enumerate(CATALOG):
        GpuType.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "memory_gb": mem,
                "spot_hourly_rate": Decimal(spot),
                "on_demand_hourly_rate": Decimal(od),
                "bf16_tflops": tflops,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
