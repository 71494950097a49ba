"""GPU types as the create form and the job rows show them."""

from __future__ import annotations

from rest_framework import serializers

from backend.jobs.models import GpuType


class GpuTypeSerializer(serializers.ModelSerializer[GpuType]):
    spot_hourly_rate = serializers.FloatField()
    on_demand_hourly_rate = serializers.FloatField()
    live_workers = serializers.IntegerField(
        help_text="Workers of this type online now: 0 means its jobs wait until one appears."
    )

    class Meta:
        model = GpuType
        fields = (
            "slug",
            "name",
            "memory_gb",
            "spot_hourly_rate",
            "on_demand_hourly_rate",
            "live_workers",
        )
        read_only_fields = fields


class GpuTypeSummarySerializer(serializers.ModelSerializer[GpuType]):
    class Meta:
        model = GpuType
        fields = ("slug", "name")
        read_only_fields = fields
