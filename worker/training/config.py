"""Hyperparameters of one training job, validated once before anything expensive starts."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

DEFAULT_TARGET_MODULES: tuple[str, ...] = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
)


@dataclass(frozen=True)
class TrainingConfig:
    """Everything the loop needs besides the data and the place to write.

    Batching with packing: a micro-batch is ``batch_size`` rows of at most ``max_seq_len`` tokens,
    each row holding several whole examples, so the token budget per micro-batch is
    ``batch_size * max_seq_len``. One optimizer step consumes ``grad_accum_steps`` micro-batches.
    """

    base_model: str = "tiny-random-llama"
    epochs: int = 3
    learning_rate: float = 2e-4
    batch_size: int = 8
    grad_accum_steps: int = 1
    max_seq_len: int = 1024
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    warmup_ratio: float = 0.03
    lr_scheduler: str = "cosine"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    eval_every: int = 100
    checkpoint_every: int = 500
    log_every: int = 10
    val_fraction: float = 0.05
    seed: int = 42
    # Tokens per forward/backward pass; 0 = automatic (CUDA: measured at model load; CPU: one
    # packed row, batch_size * max_seq_len). Never changes what an optimizer step trains on.
    micro_batch_tokens: int = 0

    @property
    def tokens_per_micro_batch(self) -> int:
        """Token budget of one micro-batch (rows x row length)."""
        return self.batch_size * self.max_seq_len

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        """Build a config from JSON-like data (the job spec); unknown keys are rejected.

        Raises ValueError naming every offending field, e.g. ``"epochs: must be >= 1"``.
        """
        if not isinstance(data, dict):
            raise ValueError("config: must be an object")
        known = {f.name for f in dataclasses.fields(cls)}
        errors: list[str] = [f"{k}: unknown field" for k in sorted(set(data) - known)]
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            try:
                kwargs[f.name] = _coerce(f.name, value)
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError("; ".join(errors))
        config = cls(**kwargs)
        config.validate()
        return config

    def validate(self) -> None:
        """Check ranges and cross-field rules; raise ValueError listing each bad field."""
        errors: list[str] = []

        def need(ok: bool, name: str, rule: str) -> None:
            if not ok:
                errors.append(f"{name}: {rule}")

        need(bool(self.base_model.strip()), "base_model", "must not be empty")
        need(1 <= self.epochs <= 1000, "epochs", "must be between 1 and 1000")
        need(
            math.isfinite(self.learning_rate) and self.learning_rate > 0,
            "learning_rate",
            "must be a finite number > 0",
        )
        need(self.batch_size >= 1, "batch_size", "must be >= 1")
        need(self.grad_accum_steps >= 1, "grad_accum_steps", "must be >= 1")
        need(8 <= self.max_seq_len <= 131072, "max_seq_len", "must be between 8 and 131072")
        need(self.lora_r >= 1, "lora_r", "must be >= 1")
        need(self.lora_alpha >= 1, "lora_alpha", "must be >= 1")
        need(0.0 <= self.lora_dropout < 1.0, "lora_dropout", "must be in [0, 1)")
        need(len(self.target_modules) > 0, "target_modules", "must name at least one module")
        need(0.0 <= self.warmup_ratio < 1.0, "warmup_ratio", "must be in [0, 1)")
        need(self.lr_scheduler in ("cosine", "linear"), "lr_scheduler", "must be cosine or linear")
        need(self.weight_decay >= 0.0, "weight_decay", "must be >= 0")
        need(self.max_grad_norm > 0.0, "max_grad_norm", "must be > 0")
        need(self.eval_every >= 1, "eval_every", "must be >= 1")
        need(self.checkpoint_every >= 1, "checkpoint_every", "must be >= 1")
        need(self.log_every >= 1, "log_every", "must be >= 1")
        need(0.0 <= self.val_fraction < 1.0, "val_fraction", "must be in [0, 1)")
        need(self.seed >= 0, "seed", "must be >= 0")
        need(self.micro_batch_tokens >= 0, "micro_batch_tokens", "must be >= 0")
        if errors:
            raise ValueError("; ".join(errors))

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (round-trips through from_dict)."""
        out = dataclasses.asdict(self)
        out["target_modules"] = list(self.target_modules)
        return out


_INT_FIELDS = {
    "epochs",
    "batch_size",
    "grad_accum_steps",
    "max_seq_len",
    "lora_r",
    "lora_alpha",
    "eval_every",
    "checkpoint_every",
    "log_every",
    "seed",
    "micro_batch_tokens",
}
_FLOAT_FIELDS = {
    "learning_rate",
    "lora_dropout",
    "warmup_ratio",
    "weight_decay",
    "max_grad_norm",
    "val_fraction",
}


def _coerce(name: str, value: Any) -> Any:
    """Type-check one field; bools are rejected for numbers because JSON true is not 1."""
    if name in _INT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ValueError(f"{name}: must be an integer")
        return value
    if name in _FLOAT_FIELDS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{name}: must be a number")
        return float(value)
    if name == "target_modules":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{name}: must be a list of module names")
        return tuple(value)
    if not isinstance(value, str):
        raise ValueError(f"{name}: must be a string")
    return value
