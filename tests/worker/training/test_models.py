"""Random-init presets have the exact architectures (parameter counts) of the real models."""

from __future__ import annotations

import pytest
import torch

from worker.training.models import (
    MODEL_PRESETS,
    RANDOM_ARCHITECTURES,
    build_random_model,
    load_tokenizer,
    random_architecture_config,
)

# Parameter counts of the published checkpoints (tied embeddings counted once).
PUBLISHED = {
    "random-smollm2-135m": 134_515_008,
    "random-qwen2.5-0.5b": 494_032_768,
    "random-llama-3.2-1b": 1_235_814_400,
}


@pytest.mark.parametrize("name", list(RANDOM_ARCHITECTURES))
def test_architecture_matches_the_published_model(name: str) -> None:
    from transformers import AutoModelForCausalLM

    assert name in MODEL_PRESETS
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(random_architecture_config(name))
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED[name]
    assert len(load_tokenizer(name)) < model.config.vocab_size  # byte tokenizer fits


def test_weights_come_from_a_fixed_seed() -> None:
    cpu = torch.device("cpu")
    a = build_random_model("random-smollm2-135m", device=cpu, dtype=torch.bfloat16)
    b = build_random_model("random-smollm2-135m", device=cpu, dtype=torch.bfloat16)
    wa = a.model.layers[3].mlp.up_proj.weight
    assert wa.dtype == torch.bfloat16 and torch.equal(wa, b.model.layers[3].mlp.up_proj.weight)
    assert float(wa.detach().float().std()) > 0.0
