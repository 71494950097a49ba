"""Fixtures for the training core: tiny datasets on disk and a fast config. No Django needed."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
import torch

from worker.training import TrainingConfig

# These models are tiny: one thread is as fast as two, and it keeps timings steady when other
# processes compete for the CPU (OpenMP barriers stall badly on an oversubscribed host).
torch.set_num_threads(1)


def pytest_configure(config: pytest.Config) -> None:
    # Registered here too so this folder runs on its own (the project config also declares it).
    config.addinivalue_line("markers", "slow: long-running tests (real models)")


def chat_record(a: int, b: int) -> dict[str, Any]:
    """One arithmetic conversation: learnable structure for a tiny model."""
    return {
        "messages": [
            {"role": "system", "content": "Add."},
            {"role": "user", "content": f"{a}+{b}="},
            {"role": "assistant", "content": f"{a + b}"},
        ]
    }


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    """Write rows (dicts are JSON-encoded, strings written as-is) one per line."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def write_chat_dataset(path: Path, n: int = 96, seed: int = 0) -> Path:
    """``n`` short arithmetic conversations."""
    rng = random.Random(seed)
    rows = [chat_record(rng.randint(0, 99), rng.randint(0, 99)) for _ in range(n)]
    return write_jsonl(path, rows)


def fast_config(**overrides: Any) -> TrainingConfig:
    """Tiny preset; 2 epochs of ~13 optimizer steps on the default dataset, ~1 s on one core."""
    base: dict[str, Any] = dict(
        base_model="tiny-random-llama",
        epochs=2,
        learning_rate=5e-3,
        batch_size=4,
        max_seq_len=64,
        grad_accum_steps=1,
        lora_r=8,
        lora_alpha=16,
        lora_dropout=0.1,
        warmup_ratio=0.1,
        eval_every=6,
        checkpoint_every=10,
        log_every=3,
        val_fraction=0.1,
        seed=1234,
    )
    base.update(overrides)
    return TrainingConfig(**base)


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A valid chat dataset."""
    return write_chat_dataset(tmp_path / "train.jsonl")
