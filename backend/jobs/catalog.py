"""Known base models: what the estimator needs to know about a model.

The hyperparameter schema, defaults and presets are the contract's
(``worker.contract.hyperparameters``), shared with the worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
