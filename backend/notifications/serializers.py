from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.notifications.models import (
    SUBSCRIBABLE,
    DeliveryStatus,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)

HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\s]+"


class StrictBooleanField(serializers.BooleanField):
    """JSON true/false only (DRF also takes 0, 1, "yes", ...: the schema says boolean)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictUUIDField(serializers.UUIDField):
    """A UUID string only (DRF also turns integers, and so booleans, into UUIDs)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "format": "uri", "maxLength": 2000, "pattern": HTTP_URL_PATTERN}
)
class HttpUrlField(serializers.CharField):
    """An http(s) URL with a host part. Django's URLValidator is stricter than the URI the
    schema documents (63-character labels, known TLDs); a URL it would refuse but that names
    no reachable host simply fails its deliveries, which the log shows."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not re.match(HTTP_URL_PATTERN, value) or any(c.isspace() for c in value):
            raise serializers.ValidationError("Use an http:// or https:// URL with a host.")
        try:
            urlsplit(value)
        except ValueError as exc:
            raise serializers.ValidationError(f"Not a URL: {exc}.") from exc
        return value


class WebhookSerializer(serializers.ModelSerializer[Webhook]):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=SUBSCRIBABLE),
        allow_empty=False,
        min_length=1,
        max_length=len(SUBSCRIBABLE),
        help_text="The events this hook receives (`job.paused` fires on any pause: a user's, "
        "an anomaly auto-pause or a budget cap).",
    )
    url = HttpUrlField(max_length=2000, help_text="http(s) URL that receives POSTs.")
    active = StrictBooleanField(required=False, default=True)
    last_delivery = serializers.SerializerMethodField()

    class Meta:
        model = Webhook
        fields: tuple[str, ...] = (
            "id",
            "name",
            "url",
            "events",
            "active",
            "created_at",
            "last_delivery",
        )
        read_only_fields: tuple[str, ...] = ("id", "created_at", "last_delivery")

    def get_last_delivery(self, obj: Webhook) -> dict[str, Any] | None:
        delivery = obj.deliveries.order_by("-created_at").first()
        return DeliverySerializer(delivery).data if delivery else None


class WebhookWithSecretSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every delivery (see the README). Shown only here: at creation and "
        "after a rotation.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")
        read_only_fields = (*WebhookSerializer.Meta.read_only_fields, "secret")


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    event = serializers.ChoiceField(choices=WebhookEvent.choices, read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "event",
            "job",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_code",
            "error",
            "created_at",
        )
        read_only_fields = fields


class WatchSerializer(serializers.Serializer[Any]):
    watching = StrictBooleanField()


class NotificationSerializer(serializers.Serializer[Any]):
    job_id = serializers.UUIDField()
    job_name = serializers.CharField()
    status = serializers.CharField(
        help_text="The job's outcome: completed, failed, cancelled or paused."
    )
    at = serializers.DateTimeField()


class NotificationListSerializer(serializers.Serializer[Any]):
    results = NotificationSerializer(many=True)
    watching = serializers.ListField(
        child=serializers.UUIDField(), help_text="Jobs the user is waiting on (no outcome yet)."
    )


class AcknowledgeSerializer(serializers.Serializer[Any]):
    job_ids = serializers.ListField(
        child=StrictUUIDField(), allow_empty=False, min_length=1, max_length=100
    )


class AcknowledgedSerializer(serializers.Serializer[Any]):
    acknowledged = serializers.IntegerField()
