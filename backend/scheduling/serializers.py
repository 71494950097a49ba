"""Response shapes of the queue endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.accounts.serializers import UserSummarySerializer
from backend.jobs.models import Job, Stage
from backend.jobs.policies import allowed_actions

ACTIONS = ["cancel", "delete", "remove_from_queue", "promote"]


def _now(context: Mapping[str, Any]) -> datetime:
    # One timestamp per response, so every row's cost and duration agree with each other.
    now = context.get("now")
    return now if now is not None else timezone.now()


class QueueGpuTypeSerializer(serializers.Serializer[None]):
    slug = serializers.CharField()
    name = serializers.CharField()


# Stand-in for the jobs app's list-row serializer (backend.jobs.serializers.JobListSerializer),
# with the same fields, until that lands on main; then `QueueJobSerializer` below becomes an
# alias of it. Context: request, now, queue_positions.
class QueueJobSerializer(serializers.ModelSerializer[Job]):
    stage = serializers.SerializerMethodField()
    percent_complete = serializers.FloatField(read_only=True)
    created_by = UserSummarySerializer(read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    current_cost = serializers.SerializerMethodField()
    configuration_summary = serializers.SerializerMethodField()
    gpu_type = QueueGpuTypeSerializer(read_only=True)
    queue_position = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = (
            "id",
            "name",
            "status",
            "stage",
            "percent_complete",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "current_cost",
            "configuration_summary",
            "preset",
            "pricing",
            "gpu_type",
            "base_model",
            "queue_position",
            "recovering",
            "allowed_actions",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Stage.choices, allow_null=True))
    def get_stage(self, job: Job) -> str | None:
        return job.stage or None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_duration_seconds(self, job: Job) -> float | None:
        if job.started_at is None:
            return None
        end = job.finished_at or _now(self.context)
        return round((end - job.started_at).total_seconds(), 1)

    @extend_schema_field(serializers.FloatField())
    def get_current_cost(self, job: Job) -> float:
        return round(float(job.spend_at(_now(self.context))), 2)

    @extend_schema_field(serializers.CharField())
    def get_configuration_summary(self, job: Job) -> str:
        return f"{job.get_preset_display()} • {job.get_pricing_display()} {job.gpu_type.name}"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_queue_position(self, job: Job) -> int | None:
        positions: dict[Any, int] = self.context.get("queue_positions") or {}
        return positions.get(job.pk)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ACTIONS)))
    def get_allowed_actions(self, job: Job) -> list[str]:
        return allowed_actions(self.context["request"].user, job)


class ActiveSlotSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField(help_text="1..concurrency_limit, oldest attempt first.")
    job = QueueJobSerializer()
    estimated_finish_at = serializers.DateTimeField()


class QueuedEntrySerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(help_text="1 = starts next.")
    job = QueueJobSerializer()
    estimated_start_at = serializers.DateTimeField(
        help_text="Simulated: active jobs free their slots at their estimated finish and each "
        "queued job, in order, takes the earliest free slot."
    )
    wait_seconds = serializers.FloatField(
        help_text="How long the job has waited so far (since it last entered the queue)."
    )


class QueueAnalyticsSerializer(serializers.Serializer[Any]):
    depth = serializers.IntegerField(help_text="Jobs queued now.")
    started_last_hour = serializers.IntegerField(
        help_text="Jobs first started within the last hour."
    )
    average_wait_seconds_24h = serializers.FloatField(
        allow_null=True,
        help_text="Mean of started_at - created_at over jobs first started in the last 24 h.",
    )
    longest_wait_seconds_24h = serializers.FloatField(allow_null=True)
    average_wait_seconds_7d = serializers.FloatField(allow_null=True)
    longest_wait_seconds_7d = serializers.FloatField(allow_null=True)


class QueueSerializer(serializers.Serializer[Any]):
    concurrency_limit = serializers.IntegerField()
    active_count = serializers.IntegerField()
    active = ActiveSlotSerializer(many=True)
    queued = QueuedEntrySerializer(many=True)
    depth = serializers.IntegerField()
    analytics = QueueAnalyticsSerializer()
