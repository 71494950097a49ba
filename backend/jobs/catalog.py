"""Hyperparameter presets and known base models.

The worker validates hyperparameters again (worker.training.config); these are the values the
API resolves a preset to and what the estimator needs to know about a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Defaults every job gets; presets override a few, users override any.
BASE_HYPERPARAMETERS: dict[str, Any] = {
    "epochs": 3,
    "learning_rate": 2e-4,
    "batch_size": 8,
    "grad_accum_steps": 1,
    "max_seq_len": 512,
    "lora_r": 16,
    "lora_alpha": 32,
    "lora_dropout": 0.05,
    "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "warmup_ratio": 0.05,
    "lr_scheduler": "cosine",
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "eval_every": 50,
    "checkpoint_every": 100,
    "log_every": 10,
    "val_fraction": 0.1,
    "seed": 42,
}

PRESETS: dict[str, dict[str, Any]] = {
    "conservative": {
        "label": "Conservative",
        "description": "Low learning rate and rank: slow, stable, least risk of forgetting.",
        "overrides": {"epochs": 2, "learning_rate": 1e-4, "lora_r": 8, "lora_alpha": 16},
    },
    "balanced": {
        "label": "Balanced",
        "description": "Sensible defaults for most chat fine-tunes.",
        "overrides": {"epochs": 3, "learning_rate": 2e-4, "lora_r": 16, "lora_alpha": 32},
    },
    "aggressive": {
        "label": "Aggressive",
        "description": "Higher learning rate and rank: learns fast, watch for overfitting.",
        "overrides": {
            "epochs": 4,
            "learning_rate": 5e-4,
            "lora_r": 32,
            "lora_alpha": 64,
            "lora_dropout": 0.1,
        },
    },
    "custom": {
        "label": "Custom",
        "description": "Balanced defaults with every value set explicitly.",
        "overrides": {},
    },
}


def resolve_hyperparameters(preset: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    values = dict(BASE_HYPERPARAMETERS)
    values.update(PRESETS[preset]["overrides"])
    values.update(overrides or {})
    return values


@dataclass(frozen=True)
class BaseModelInfo:
    key: str
    label: str
    parameters: int
    # Characters per token of the model's tokenizer on English chat text.
    chars_per_token: float
    # Fixed seconds to download and load the weights, for the stage estimate.
    load_seconds: float


BASE_MODELS: dict[str, BaseModelInfo] = {
    m.key: m
    for m in (
        BaseModelInfo("tiny-random-llama", "Tiny random Llama (tests, demo)", 400_000, 1.0, 1.0),
        BaseModelInfo("smollm2-135m-instruct", "SmolLM2 135M Instruct", 134_515_008, 3.8, 5.0),
        BaseModelInfo(
            "HuggingFaceTB/SmolLM2-1.7B-Instruct", "SmolLM2 1.7B Instruct", 1_711_376_384, 3.8, 30.0
        ),
        BaseModelInfo(
            "meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1 8B Instruct", 8_030_261_248, 4.2, 120.0
        ),
        BaseModelInfo(
            "mistralai/Mistral-7B-Instruct-v0.3",
            "Mistral 7B Instruct v0.3",
            7_248_023_552,
            3.9,
            110.0,
        ),
        BaseModelInfo("Qwen/Qwen2.5-7B-Instruct", "Qwen2.5 7B Instruct", 7_615_616_512, 4.0, 110.0),
    )
}

_SIZE_IN_NAME = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*([bBmM])(?![a-zA-Z])")


def model_info(base_model: str) -> BaseModelInfo | None:
    """What we know about a model; for an unlisted hub id, its size as written in its name."""
    known = BASE_MODELS.get(base_model)
    if known is not None:
        return known
    match = _SIZE_IN_NAME.search(base_model.rsplit("/", 1)[-1])
    if match is None:
        return None
    scale = 1e9 if match.group(2).lower() == "b" else 1e6
    params = int(float(match.group(1)) * scale)
    return BaseModelInfo(base_model, base_model, params, 3.8, max(10.0, params / 6.7e7))
