"""The hyperparameter schema: every field's name, type, bounds and default, and the presets.

One table (``FIELDS``) drives everything: the API builds its serializer fields and the bounds the
presets endpoint serves to the create form from it, ``resolve_hyperparameters`` fills in what a
job leaves out (so what runs is what the form shows), and the worker's ``TrainingConfig`` takes
its defaults from it and validates with ``check_hyperparameters``. A value the API accepts is
therefore a value the worker accepts, and the other way round.

Every numeric field has both bounds. Step intervals (``eval_every``, ``checkpoint_every``,
``log_every``) stop at ``MAX_STEPS``, the largest step the 32-bit step columns
(``Job.total_steps``, ``MetricPoint.step``) can hold: an interval past it would never fire. The
seed stops at 2**32 - 1, the range every RNG the worker seeds (Python, NumPy, torch) takes as is
and that JSON clients (JavaScript numbers) carry exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_STEPS = 2**31 - 1
MAX_SEED = 2**32 - 1
MODULE_NAME = re.compile(r"^[A-Za-z0-9_.]+$")
MODULE_NAME_MAX_LENGTH = 64
MAX_TARGET_MODULES = 32

# The value types a field can have ("modules": a list of module names).
KINDS: tuple[str, ...] = ("int", "float", "choice", "modules")


@dataclass(frozen=True)
class HyperparameterField:
    """One hyperparameter. Numbers lie in [minimum, maximum], the minimum excluded when
    ``exclusive_minimum`` (a value that must be strictly positive)."""

    name: str
    kind: str  # one of KINDS
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()

    def describe_bounds(self) -> str:
        """The rule as one phrase, e.g. "must be between 1 and 100"."""
        if self.kind == "choice":
            return "must be " + " or ".join(self.choices)
        if self.kind == "modules":
            return (
                f"must name 1 to {MAX_TARGET_MODULES} modules (letters, digits, _ and ., "
                f"at most {MODULE_NAME_MAX_LENGTH} characters each)"
            )
        if self.exclusive_minimum:
            return f"must be > {_num(self.minimum)} and <= {_num(self.maximum)}"
        return f"must be between {_num(self.minimum)} and {_num(self.maximum)}"


def _num(value: float | None) -> str:
    return f"{value:g}" if isinstance(value, float) and not value.is_integer() else f"{value:.0f}"


FIELDS: tuple[HyperparameterField, ...] = (
    HyperparameterField("epochs", "int", 3, 1, 100),
    HyperparameterField("learning_rate", "float", 2e-4, 1e-7, 1e-1),
    HyperparameterField("batch_size", "int", 8, 1, 1024),
    HyperparameterField("grad_accum_steps", "int", 1, 1, 1024),
    HyperparameterField("max_seq_len", "int", 512, 16, 131072),
    HyperparameterField("lora_r", "int", 16, 1, 1024),
    HyperparameterField("lora_alpha", "int", 32, 1, 4096),
    HyperparameterField("lora_dropout", "float", 0.05, 0.0, 0.9),
    HyperparameterField("target_modules", "modules", ("q_proj", "k_proj", "v_proj", "o_proj")),
    HyperparameterField("warmup_ratio", "float", 0.05, 0.0, 0.5),
    HyperparameterField("lr_scheduler", "choice", "cosine", choices=("cosine", "linear")),
    HyperparameterField("weight_decay", "float", 0.0, 0.0, 1.0),
    # Clipping to a norm of 0 would zero every update: the minimum is excluded.
    HyperparameterField("max_grad_norm", "float", 1.0, 0.0, 100.0, exclusive_minimum=True),
    HyperparameterField("eval_every", "int", 50, 1, MAX_STEPS),
    HyperparameterField("checkpoint_every", "int", 100, 1, MAX_STEPS),
    HyperparameterField("log_every", "int", 10, 1, MAX_STEPS),
    HyperparameterField("val_fraction", "float", 0.1, 0.0, 0.5),
    HyperparameterField("seed", "int", 42, 0, MAX_SEED),
    # Money-aware early stop (0: off): stop at the best validation loss when the projected
    # further improvement, in percent of the val loss per dollar still to spend, falls below
    # this (worker/training/early_stop.py).
    HyperparameterField("early_stop_gain_per_dollar", "float", 0.0, 0.0, 1e9),
)
FIELDS_BY_NAME: dict[str, HyperparameterField] = {f.name: f for f in FIELDS}

# What a job gets for every field it leaves out (a preset overrides a few first).
DEFAULTS: dict[str, Any] = {
    f.name: list(f.default) if f.kind == "modules" else f.default for f in FIELDS
}

# Fields that change the adapter's shape, the data order or the step count: a checkpoint made
# with other values cannot continue the run (``base_model`` is the job's, not a hyperparameter).
RESUME_LOCKED_FIELDS: tuple[str, ...] = (
    "base_model",
    "epochs",
    "batch_size",
    "grad_accum_steps",
    "max_seq_len",
    "lora_r",
    "lora_alpha",
    "target_modules",
    "seed",
    "val_fraction",
)


@dataclass(frozen=True)
class HyperparameterPreset:
    """A named starting point the create form offers; ``overrides`` apply on top of DEFAULTS."""

    key: str
    label: str
    description: str
    overrides: Mapping[str, Any]


HYPERPARAMETER_PRESETS: dict[str, HyperparameterPreset] = {
    p.key: p
    for p in (
        HyperparameterPreset(
            "conservative",
            "Conservative",
            "Low learning rate and rank: slow, stable, least risk of forgetting.",
            {"epochs": 2, "learning_rate": 1e-4, "lora_r": 8, "lora_alpha": 16},
        ),
        HyperparameterPreset(
            "balanced",
            "Balanced",
            "Sensible defaults for most chat fine-tunes.",
            {"epochs": 3, "learning_rate": 2e-4, "lora_r": 16, "lora_alpha": 32},
        ),
        HyperparameterPreset(
            "aggressive",
            "Aggressive",
            "Higher learning rate and rank: learns fast, watch for overfitting.",
            {
                "epochs": 4,
                "learning_rate": 5e-4,
                "lora_r": 32,
                "lora_alpha": 64,
                "lora_dropout": 0.1,
            },
        ),
        HyperparameterPreset(
            "custom", "Custom", "Balanced defaults with every value set explicitly.", {}
        ),
    )
}


def resolve_hyperparameters(preset: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """The full set a job trains with: DEFAULTS, then the preset's values, then the user's."""
    values = {k: list(v) if isinstance(v, list) else v for k, v in DEFAULTS.items()}
    values.update(HYPERPARAMETER_PRESETS[preset].overrides)
    values.update(overrides or {})
    return values


def coerce_value(field: HyperparameterField, value: Any) -> Any:
    """The value as its field's type, or ValueError("must be ...").

    JSON has one number type: an integral float passes as an int; bools never pass as numbers
    (JSON true is not 1); ``target_modules`` may be a comma-separated string.
    """
    if field.kind == "int":
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer")
        return value
    if field.kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("must be a number")
        return float(value)
    if field.kind == "modules":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError("must be a list of module names")
        return tuple(value)
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def value_in_bounds(field: HyperparameterField, value: Any) -> bool:
    """Whether an already coerced value satisfies the field's bounds or choices."""
    if field.kind == "choice":
        return value in field.choices
    if field.kind == "modules":
        return 1 <= len(value) <= MAX_TARGET_MODULES and all(
            len(m) <= MODULE_NAME_MAX_LENGTH and MODULE_NAME.match(m) for m in value
        )
    assert field.minimum is not None and field.maximum is not None
    if not math.isfinite(value) or value > field.maximum:
        return False
    return value > field.minimum if field.exclusive_minimum else value >= field.minimum


def check_hyperparameters(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Coerce and bounds-check the given fields (missing ones are not filled in).

    Returns (values, errors): ``errors`` maps each offending field to its rule, unknown names
    to "unknown field". Type errors are reported first; a field with the wrong type is not
    bounds-checked.
    """
    errors: dict[str, str] = {k: "unknown field" for k in sorted(set(data) - set(FIELDS_BY_NAME))}
    values: dict[str, Any] = {}
    for field in FIELDS:
        if field.name not in data:
            continue
        try:
            values[field.name] = coerce_value(field, data[field.name])
        except ValueError as exc:
            errors[field.name] = str(exc)
    if not errors:
        for name, value in values.items():
            field = FIELDS_BY_NAME[name]
            if not value_in_bounds(field, value):
                errors[name] = field.describe_bounds()
    return values, errors


def bounds_table() -> list[dict[str, Any]]:
    """The schema as JSON for clients (the create form validates with the API's own bounds)."""
    return [
        {
            "name": f.name,
            "type": f.kind,
            "minimum": f.minimum,
            "maximum": f.maximum,
            "exclusive_minimum": f.exclusive_minimum,
            "choices": list(f.choices),
            "default": DEFAULTS[f.name],
        }
        for f in FIELDS
    ]
