from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from backend.accounts.serializers import UserSummarySerializer
from backend.datasets.models import Dataset


class DatasetErrorSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class DatasetSerializer(serializers.ModelSerializer[Dataset]):
    uploaded_by = UserSummarySerializer(read_only=True)
    errors = DatasetErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]
    format = serializers.ChoiceField(choices=Dataset.Format.choices, allow_null=True)

    class Meta:
        model = Dataset
        fields = (
            "id",
            "name",
            "format",
            "num_examples",
            "size_bytes",
            "sha256",
            "is_valid",
            "errors",
            "created_at",
            "uploaded_by",
        )
        read_only_fields = fields

    def to_representation(self, instance: Dataset) -> dict[str, object]:
        data = super().to_representation(instance)
        data["format"] = instance.format or None
        return data


class DatasetUploadSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=200)
    file = serializers.FileField()

    def validate_file(self, value: object) -> object:
        size = getattr(value, "size", 0) or 0
        if size > settings.LORA_MAX_DATASET_BYTES:
            from backend.common.errors import PayloadTooLarge

            raise PayloadTooLarge(
                f"The file is {size} bytes; the limit is {settings.LORA_MAX_DATASET_BYTES}.",
                fields={"file": ["File too large."]},
            )
        return value
