"""Jobs for the live worker tests (real API, real training): the training core's fast tiny
config and a dataset of short arithmetic conversations, stored as a real upload."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from django.core.files.base import ContentFile

from backend.jobs.models import Job
from tests.factories import DatasetFactory, JobFactory


def tiny_hyperparameters(**overrides: Any) -> dict[str, Any]:
    """The training core's fast tiny config: ~13 steps per epoch on 96 short conversations."""
    values: dict[str, Any] = {
        "epochs": 2,
        "learning_rate": 5e-3,
        "batch_size": 4,
        "max_seq_len": 64,
        "grad_accum_steps": 1,
        "lora_r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.1,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "warmup_ratio": 0.1,
        "lr_scheduler": "cosine",
        "weight_decay": 0.0,
        "max_grad_norm": 1.0,
        "eval_every": 6,
        "checkpoint_every": 10,
        "log_every": 3,
        "val_fraction": 0.1,
        "seed": 1234,
    }
    values.update(overrides)
    return values


def chat_jsonl(n: int = 96, seed: int = 0) -> bytes:
    """``n`` arithmetic conversations as JSONL: learnable structure for a tiny model."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        messages = [
            {"role": "system", "content": "Add."},
            {"role": "user", "content": f"{a}+{b}="},
            {"role": "assistant", "content": f"{a + b}"},
        ]
        lines.append(json.dumps({"messages": messages}))
    return ("\n".join(lines) + "\n").encode()


def live_job(content: bytes | None = None, **fields: Any) -> Job:
    """A queued job on an uploaded dataset (default: chat_jsonl()); ``fields`` go to the job
    (created_by, hyperparameters, ...); hyperparameters default to tiny_hyperparameters()."""
    data = chat_jsonl() if content is None else content
    dataset = DatasetFactory(
        file=ContentFile(data, name="train.jsonl"),
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    fields.setdefault("hyperparameters", tiny_hyperparameters())
    return JobFactory(dataset=dataset, total_steps=0, **fields)
