"""Bulk actions on the jobs list: the request (ids or the list's filter) and the per-job result."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from backend.jobs.bulk import BULK_ACTIONS, MAX_BULK_JOBS
from backend.jobs.serializers.job import CANCEL_REASONS


class JobListFilterSerializer(serializers.Serializer[Any]):
    """The jobs list's filter, as its query parameters (GET /api/training/jobs) take it."""

    status = serializers.CharField(required=False, max_length=200)
    date_range = serializers.CharField(required=False, max_length=10)
    created_after = serializers.CharField(required=False, max_length=64)
    created_before = serializers.CharField(required=False, max_length=64)
    creator = serializers.CharField(required=False, max_length=20)
    gpu_type = serializers.CharField(required=False, max_length=50)
    cost_min = serializers.CharField(required=False, max_length=30)
    cost_max = serializers.CharField(required=False, max_length=30)
    search = serializers.CharField(required=False, max_length=200, allow_blank=True)


class BulkActionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(
        choices=BULK_ACTIONS,
        help_text="cancel: like POST jobs/{id}/cancel for each job; delete: like DELETE "
        "jobs/{id} (finished jobs only).",
    )
    ids = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        min_length=1,
        max_length=MAX_BULK_JOBS,
        help_text="The jobs to act on. Give either ids or filter.",
    )
    filter = JobListFilterSerializer(
        required=False,
        help_text=f"Every job the list shows with this filter (at most {MAX_BULK_JOBS}). "
        "An empty object matches every job.",
    )
    reason = serializers.ChoiceField(
        choices=CANCEL_REASONS, required=False, help_text="Required for cancel: one for all."
    )
    notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == ("filter" in attrs):
            raise serializers.ValidationError({"ids": ["Give either ids or filter (not both)."]})
        if attrs["action"] == "cancel" and not attrs.get("reason"):
            raise serializers.ValidationError({"reason": ["A reason is required to cancel."]})
        return attrs


class BulkRefusalSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField(allow_null=True)
    code = serializers.CharField(help_text="permission_denied, conflict or not_found.")
    message = serializers.CharField()


class BulkResultSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=BULK_ACTIONS)
    matched = serializers.IntegerField(help_text="Distinct jobs the ids or the filter named.")
    done = serializers.ListField(
        child=serializers.UUIDField(), help_text="Jobs this request cancelled or deleted."
    )
    unchanged = serializers.ListField(
        child=serializers.UUIDField(),
        help_text="Jobs already in the action's end state (cancelling or cancelled).",
    )
    refused = BulkRefusalSerializer(many=True)


_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
MAX_EXPORT_IDS = 100


class JobExportQuerySerializer(serializers.Serializer[Any]):
    ids = serializers.RegexField(
        rf"^{_UUID}(,{_UUID}){{0,{MAX_EXPORT_IDS - 1}}}$",
        required=False,
        max_length=MAX_EXPORT_IDS * 37,
        help_text=f"Comma-separated job ids (at most {MAX_EXPORT_IDS}): only these jobs, still "
        "filtered and sorted like the list.",
        error_messages={"invalid": f"Give 1 to {MAX_EXPORT_IDS} comma-separated job ids."},
    )

    def validate_ids(self, value: str) -> list[str]:
        return value.lower().split(",")
