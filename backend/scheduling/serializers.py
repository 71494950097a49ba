"""Response shapes of the queue endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

# A queue card is the jobs list's row. Context: request, now, queue_positions.
from backend.jobs.serializers import JobListSerializer


class ActiveSlotSerializer(serializers.Serializer[Any]):
    slot = serializers.IntegerField(help_text="1..concurrency_limit, oldest attempt first.")
    job = JobListSerializer()
    estimated_finish_at = serializers.DateTimeField()


class QueuedEntrySerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(help_text="1 = starts next.")
    job = JobListSerializer()
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
