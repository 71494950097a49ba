"""Hyperparameters of one training job, validated once before anything expensive starts.

The fields, their defaults and their bounds are the contract's (``worker.contract.
hyperparameters``): the API validated the job with the same table, so a job it accepted is never
refused here for a rule of the worker's own, and a field the job left out gets the same default
the create form showed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from worker.contract.hyperparameters import DEFAULTS, check_hyperparameters

DEFAULT_TARGET_MODULES: tuple[str, ...] = tuple(DEFAULTS["target_modules"])


@dataclass(frozen=True)
class TrainingConfig:
    """Everything the loop needs besides the data and the place to write.

    Batching with packing: a micro-batch is ``batch_size`` rows of at most ``max_seq_len`` tokens,
    each row holding several whole examples, so the token budget per micro-batch is
    ``batch_size * max_seq_len``. One optimizer step consumes ``grad_accum_steps`` micro-batches.
    """

    base_model: str = "tiny-random-llama"
    epochs: int = DEFAULTS["epochs"]
    learning_rate: float = DEFAULTS["learning_rate"]
    batch_size: int = DEFAULTS["batch_size"]
    grad_accum_steps: int = DEFAULTS["grad_accum_steps"]
    max_seq_len: int = DEFAULTS["max_seq_len"]
    lora_r: int = DEFAULTS["lora_r"]
    lora_alpha: int = DEFAULTS["lora_alpha"]
    lora_dropout: float = DEFAULTS["lora_dropout"]
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    warmup_ratio: float = DEFAULTS["warmup_ratio"]
    lr_scheduler: str = DEFAULTS["lr_scheduler"]
    weight_decay: float = DEFAULTS["weight_decay"]
    max_grad_norm: float = DEFAULTS["max_grad_norm"]
    eval_every: int = DEFAULTS["eval_every"]
    checkpoint_every: int = DEFAULTS["checkpoint_every"]
    log_every: int = DEFAULTS["log_every"]
    val_fraction: float = DEFAULTS["val_fraction"]
    seed: int = DEFAULTS["seed"]
    early_stop_gain_per_dollar: float = DEFAULTS["early_stop_gain_per_dollar"]

    @property
    def tokens_per_micro_batch(self) -> int:
        """Token budget of one micro-batch (rows x row length)."""
        return self.batch_size * self.max_seq_len

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        """Build a config from JSON-like data (the job spec); unknown keys are rejected.

        Raises ValueError naming every offending field, e.g. ``"epochs: must be between 1 and
        100"``.
        """
        if not isinstance(data, dict):
            raise ValueError("config: must be an object")
        hyperparameters = {k: v for k, v in data.items() if k != "base_model"}
        values, errors = check_hyperparameters(hyperparameters)
        if errors:
            raise ValueError("; ".join(f"{name}: {rule}" for name, rule in errors.items()))
        if "base_model" in data:
            if not isinstance(data["base_model"], str):
                raise ValueError("base_model: must be a string")
            values["base_model"] = data["base_model"]
        config = cls(**values)
        config.validate()
        return config

    def validate(self) -> None:
        """Check every field against the contract; raise ValueError listing each bad field."""
        values = self.to_dict()
        errors = [] if values.pop("base_model").strip() else ["base_model: must not be empty"]
        errors += [f"{name}: {rule}" for name, rule in check_hyperparameters(values)[1].items()]
        if errors:
            raise ValueError("; ".join(errors))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (round-trips through from_dict)."""
        out = dataclasses.asdict(self)
        out["target_modules"] = list(self.target_modules)
        return out
