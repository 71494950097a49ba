from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.common.parsing import INT32_MAX
from backend.telemetry.models import METRIC_VALUE_FIELDS, Event, EventType


class MetricPointSerializer(serializers.Serializer[Any]):
    """One metric point as the API shows it: step, the contract's value fields (null when not
    measured at that step), and when it was recorded."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields: dict[str, serializers.Field[Any, Any, Any, Any]] = {
            "step": serializers.IntegerField()
        }
        fields.update({f: serializers.FloatField(allow_null=True) for f in METRIC_VALUE_FIELDS})
        fields["recorded_at"] = serializers.DateTimeField(allow_null=True, required=False)
        return fields


class MetricsQuerySerializer(serializers.Serializer[Any]):
    after_step = serializers.IntegerField(min_value=0, required=False)
    max_points = serializers.IntegerField(min_value=10, max_value=20000, required=False)
    latest = serializers.BooleanField(required=False, default=False)


class MetricsResponseSerializer(serializers.Serializer[Any]):
    job_id = serializers.UUIDField()
    total_points = serializers.IntegerField()
    downsampled = serializers.BooleanField()
    points = MetricPointSerializer(many=True)


_TYPES = "|".join(EventType.values)


class EventsQuerySerializer(serializers.Serializer[Any]):
    type = serializers.RegexField(
        rf"^({_TYPES})(,({_TYPES}))*$",
        required=False,
        help_text="Comma list of event types.",
        error_messages={"invalid": f"A comma list of: {', '.join(EventType.values)}."},
    )
    search = serializers.CharField(required=False, max_length=200)
    after_seq = serializers.IntegerField(min_value=0, max_value=INT32_MAX, required=False)

    def validate_type(self, value: str) -> list[str]:
        types = [t.strip() for t in value.split(",") if t.strip()]
        unknown = [t for t in types if t not in EventType.values]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown type {unknown[0]!r}; use {', '.join(EventType.values)}."
            )
        return types


class EventExportQuerySerializer(EventsQuerySerializer):
    format = serializers.ChoiceField(choices=["json", "csv"], default="json")


class EventSerializer(serializers.ModelSerializer[Event]):
    class Meta:
        model = Event
        fields = ("seq", "attempt", "created_at", "type", "message", "payload")
        read_only_fields = fields
