from __future__ import annotations

import uuid
from typing import Any

from rest_framework import serializers

from backend.common.parsing import INT32_MAX
from backend.telemetry.compare import MAX_JOBS, MIN_JOBS
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


class CompareQuerySerializer(serializers.Serializer[Any]):
    jobs = serializers.CharField(
        max_length=400,
        help_text="Comma list of 2 to 5 job ids, in the order to show them.",
    )

    def validate_jobs(self, value: str) -> list[uuid.UUID]:
        ids: list[uuid.UUID] = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            try:
                job_id = uuid.UUID(part)
            except ValueError:
                raise serializers.ValidationError(f"{part[:40]!r} is not a job id.") from None
            if job_id not in ids:
                ids.append(job_id)
        if not MIN_JOBS <= len(ids) <= MAX_JOBS:
            raise serializers.ValidationError(
                f"Compare {MIN_JOBS} to {MAX_JOBS} different jobs (got {len(ids)})."
            )
        return ids


class ComparePointSerializer(serializers.Serializer[Any]):
    step = serializers.IntegerField()
    tokens_seen = serializers.IntegerField(
        allow_null=True,
        help_text="Tokens trained on up to this step: the job's token count spread evenly "
        "over its steps (null without an estimate).",
    )
    train_loss = serializers.FloatField(allow_null=True)
    val_loss = serializers.FloatField(allow_null=True)


class CompareFinalSerializer(serializers.Serializer[Any]):
    step = serializers.IntegerField(allow_null=True)
    train_loss = serializers.FloatField(allow_null=True)
    val_loss = serializers.FloatField(allow_null=True, help_text="The last measured one.")
    best_val_loss = serializers.FloatField(allow_null=True)
    mean_tokens_per_second = serializers.FloatField(allow_null=True)
    peak_gpu_memory_mb = serializers.FloatField(allow_null=True, help_text="Null on CPU hosts.")
    duration_seconds = serializers.FloatField(allow_null=True)
    cost = serializers.FloatField()


class CompareRunSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    current_step = serializers.IntegerField()
    total_steps = serializers.IntegerField()
    tokens_per_step = serializers.FloatField(allow_null=True)
    config = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Base model, dataset name, GPU type, preset and the resolved hyperparameters.",
    )
    final = CompareFinalSerializer()
    total_points = serializers.IntegerField()
    downsampled = serializers.BooleanField()
    points = ComparePointSerializer(many=True)


class CompareResponseSerializer(serializers.Serializer[Any]):
    differing = serializers.ListField(
        child=serializers.CharField(),
        help_text="The config keys whose values are not the same in every run.",
    )
    runs = CompareRunSerializer(many=True)
