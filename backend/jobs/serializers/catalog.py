"""The catalog the create form reads: presets with their bounds, base models."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from worker.contract.hyperparameters import (
    HYPERPARAMETER_PRESETS,
    KINDS,
    bounds_table,
    resolve_hyperparameters,
)


class HyperparameterBoundsSerializer(serializers.Serializer[Any]):
    """One field of the hyperparameter schema, as the create form validates it."""

    name = serializers.CharField()
    type = serializers.ChoiceField(choices=list(KINDS))
    minimum = serializers.FloatField(allow_null=True)
    maximum = serializers.FloatField(allow_null=True)
    exclusive_minimum = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.CharField())
    default = serializers.JSONField()


class PresetSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    hyperparameters = serializers.DictField()
    bounds = HyperparameterBoundsSerializer(
        many=True, help_text="Every hyperparameter's type and bounds, as the API enforces them."
    )

    @staticmethod
    def all() -> list[dict[str, Any]]:
        bounds = bounds_table()
        return [
            {
                "key": key,
                "label": p.label,
                "description": p.description,
                "hyperparameters": resolve_hyperparameters(key, None),
                "bounds": bounds,
            }
            for key, p in HYPERPARAMETER_PRESETS.items()
        ]


class BaseModelSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    parameters = serializers.IntegerField()
