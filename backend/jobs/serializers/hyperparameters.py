"""A job's hyperparameters, validated with the contract's bounds (worker.contract)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from worker.contract.hyperparameters import (
    FIELDS,
    FIELDS_BY_NAME,
    MAX_TARGET_MODULES,
    MODULE_NAME,
    MODULE_NAME_MAX_LENGTH,
    HyperparameterField,
)


def bounds_message(spec: HyperparameterField) -> str:
    """The field's rule as the form shows it under the input, e.g. "Must be between 1 and 100."."""
    rule = spec.describe_bounds()
    return f"{rule[0].upper()}{rule[1:]}."


def _exclusive_minimum(spec: HyperparameterField) -> Any:
    minimum = spec.minimum
    assert minimum is not None

    def check(value: float) -> None:
        if value <= minimum:
            raise serializers.ValidationError(bounds_message(spec))

    return check


def _hyperparameter_field(spec: HyperparameterField) -> serializers.Field[Any, Any, Any, Any]:
    """The DRF field for one contract field: its type and bounds, nothing of its own. Its error
    messages state the contract's rule in plain words instead of DRF's "Ensure this value...".
    """
    common: dict[str, Any] = {"required": False, "help_text": spec.describe_bounds()}
    out_of_bounds = bounds_message(spec)
    if spec.kind == "int":
        assert spec.minimum is not None and spec.maximum is not None
        return serializers.IntegerField(
            min_value=int(spec.minimum),
            max_value=int(spec.maximum),
            error_messages={
                "invalid": f"Enter a whole number. {out_of_bounds}",
                "max_string_length": out_of_bounds,
                "min_value": out_of_bounds,
                "max_value": out_of_bounds,
            },
            **common,
        )
    if spec.kind == "float":
        assert spec.minimum is not None
        validators = [_exclusive_minimum(spec)] if spec.exclusive_minimum else []
        return serializers.FloatField(
            min_value=spec.minimum,
            max_value=spec.maximum,
            validators=validators,
            error_messages={
                "invalid": f"Enter a number. {out_of_bounds}",
                "max_string_length": out_of_bounds,
                "min_value": out_of_bounds,
                "max_value": out_of_bounds,
            },
            **common,
        )
    if spec.kind == "choice":
        return serializers.ChoiceField(
            choices=list(spec.choices),
            error_messages={"invalid_choice": out_of_bounds},
            **common,
        )
    return serializers.ListField(
        child=serializers.RegexField(MODULE_NAME.pattern, max_length=MODULE_NAME_MAX_LENGTH),
        min_length=1,
        max_length=MAX_TARGET_MODULES,
        **common,
    )


class HyperparametersSerializer(serializers.Serializer[Any]):
    """Overrides on top of the preset. Everything optional; the fields and their bounds are
    the contract's (worker.contract.hyperparameters), so the worker accepts whatever passes."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {spec.name: _hyperparameter_field(spec) for spec in FIELDS}

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(FIELDS_BY_NAME))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown hyperparameter."] for name in unknown}
                )
        return super().to_internal_value(data)
