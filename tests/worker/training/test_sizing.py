"""Micro-batch sizing: the budget never changes what a step trains on; an out-of-memory error
mid-training is survived (same steps, same loss); the loop matches a full-logits reference."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from tests.worker.training.conftest import fast_config, write_chat_dataset
from worker.training import RecordingReporter, TrainingFailure, run_training
from worker.training import loop as loop_module
from worker.training.data import Example
from worker.training.packing import collate_examples, pack, split_step
from worker.training.sizing import Sizing, budget_from_probe, worst_case_examples


def _examples(lengths: list[int]) -> list[Example]:
    return [Example(list(range(1, n + 1)), [True] * n, i + 1) for i, n in enumerate(lengths)]


@pytest.mark.parametrize("budget", [30, 64, 100, 1000])
def test_split_step_keeps_every_example_once_in_order(budget: int) -> None:
    packed = pack(_examples([30, 12, 25, 7, 30, 18, 3, 22]), 64)
    rows = list(range(len(packed.rows)))
    groups = split_step(packed, rows, budget)
    flat = [i for g in groups for i in g]
    assert flat == [i for r in rows for i in packed.rows[r]]
    assert all(sum(len(packed.examples[i].input_ids) for i in g) <= budget for g in groups)
    # greedy: no two neighbouring micro-batches could have been one
    for a, b in pairwise(groups):
        assert sum(len(packed.examples[i].input_ids) for i in a + b) > budget


def test_split_step_refuses_an_example_above_the_budget() -> None:
    packed = pack(_examples([30, 12]), 64)
    with pytest.raises(ValueError, match="exceeds micro-batch budget"):
        split_step(packed, [0], 20)


def test_bucketed_collate_pads_as_its_own_unlabelled_segment() -> None:
    packed = pack(_examples([5, 9]), 64)
    mb = collate_examples(packed, [0, 1], pad_id=0, bucket=8)
    assert mb.input_ids.shape == (1, 16) and mb.bounds == [0, 5, 14, 16]
    assert mb.n_tokens == 14 and mb.n_trainable == 8 + 4
    assert mb.position_ids[0, 14:].tolist() == [0, 1]
    assert (mb.labels[0, 13:] == -100).all() and (mb.input_ids[0, 14:] == 0).all()


def test_budget_from_probe_and_shrink_order() -> None:
    gib = 2**30
    # 80 GiB free, 1 GiB fixed, 1 MiB per token: (0.85 * 80 - 1) GiB / 1 MiB = 68,608 tokens
    assert budget_from_probe(
        free_bytes=80 * gib, fixed_bytes=gib, bytes_per_token=2**20, lo=512, hi=10**6
    ) == int((0.85 * 80 * gib - gib) // 2**20)
    assert (
        budget_from_probe(free_bytes=gib, fixed_bytes=0, bytes_per_token=gib, lo=512, hi=10**6)
        == 512
    )
    assert (
        budget_from_probe(free_bytes=80 * gib, fixed_bytes=0, bytes_per_token=1, lo=1, hi=4096)
        == 4096
    )
    s = Sizing(device="x", budget_tokens=1000, min_tokens=300, micro_batches_per_step=1.0)
    seen = []
    while s is not None:
        seen.append((s.budget_tokens, s.gradient_checkpointing))
        s = s.shrink()  # type: ignore[assignment]
    assert seen == [(1000, False), (500, False), (300, False), (300, True)]


def test_worst_case_examples_are_the_longest() -> None:
    packed = pack(_examples([5, 40, 9, 40, 3]), 64)
    picked = worst_case_examples(packed, 100)
    assert picked == [1, 1]  # the first of the two longest, twice
    assert len(worst_case_examples(packed, 10)) == 1  # at least one example


def _run(
    tmp: Path, name: str, micro_batch_tokens: int = 0, **cfg: Any
) -> tuple[Any, RecordingReporter]:
    import os

    os.environ["LORA_PIPELINE_MICRO_BATCH_TOKENS"] = str(micro_batch_tokens)
    data = write_chat_dataset(tmp / "train.jsonl", n=96)
    rep = RecordingReporter()
    base: dict[str, Any] = dict(lora_dropout=0.0, eval_every=1000, log_every=1, val_fraction=0.0)
    try:
        res = run_training(
            config=fast_config(**{**base, **cfg}),
            dataset_path=data,
            work_dir=tmp / name,
            reporter=rep,
        )
    finally:
        del os.environ["LORA_PIPELINE_MICRO_BATCH_TOKENS"]
    return res, rep


def test_sizing_event_is_reported(tmp_path: Path) -> None:
    res, rep = _run(tmp_path, "a", micro_batch_tokens=100)
    payloads = [p for _, _, p in rep.events if "sizing" in p]
    assert len(payloads) == 1
    sizing = payloads[0]["sizing"]
    assert sizing["device"] == "cpu" and sizing["budget_tokens"] == 100
    assert sizing["source"] == "config" and sizing["measured_peak_mb"] is None
    assert sizing["micro_batches_per_step"] > 2  # rows of 256 tokens cut into 100-token passes
    assert res.step == res.total_steps


def test_injected_oom_redoes_the_step_with_the_same_result(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clean, _ = _run(tmp_path, "clean")
    real = loop_module.loss_sum
    calls = {"n": 0}

    def oom_once(parts, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 7:  # inside a step, after earlier micro-batches already ran backward
            raise torch.OutOfMemoryError("CUDA out of memory (injected)")
        return real(parts, batch)

    monkeypatch.setattr(loop_module, "loss_sum", oom_once)
    res, rep = _run(tmp_path, "oom")
    assert res.step == clean.step == res.total_steps
    assert res.tokens_seen == clean.tokens_seen
    assert res.final_train_loss == pytest.approx(clean.final_train_loss, rel=1e-5)
    warnings = rep.events_of("warning")
    assert len(warnings) == 1
    _, message, payload = warnings[0]
    assert message.startswith("Out of memory at step ")
    assert payload["sizing"]["budget_tokens"] == 128 and payload["sizing"]["source"] == "oom"
    # every logged loss equals the clean run's
    clean_points = {p.step: p.train_loss for p in _run(tmp_path, "clean2")[1].points}
    for p in rep.points:
        if p.train_loss is not None:
            assert p.train_loss == pytest.approx(clean_points[p.step], rel=1e-5)


def test_oom_that_never_ends_fails_after_checkpointing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def always(parts, batch):  # type: ignore[no-untyped-def]
        raise torch.OutOfMemoryError("CUDA out of memory (injected)")

    monkeypatch.setattr(loop_module, "loss_sum", always)
    with pytest.raises(TrainingFailure) as err:
        _run(tmp_path, "never")
    assert err.value.category == "out_of_memory" and err.value.step == 1
    assert "even with gradient checkpointing" in err.value.message


def reference_loss_sum(parts: Any, batch: dict[str, Any]) -> torch.Tensor:
    """The reference path: every example through the decoder on its own (plain attention, no
    packing), full (tokens x vocab) logits, fp32 cross-entropy."""
    bounds = batch["attn"]["packed_bounds"]
    hidden = torch.cat(
        [
            parts.decoder(input_ids=batch["input_ids"][:, s:e], use_cache=False).last_hidden_state[
                0
            ]
            for s, e in pairwise(bounds)
        ]
    )
    logits = parts.head(hidden).float()
    return F.cross_entropy(
        logits.index_select(0, batch["target_index"]), batch["target_ids"], reduction="sum"
    )


def test_loss_parity_with_the_reference_path_over_100_steps(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    cfg = dict(epochs=8, learning_rate=2e-3, grad_accum_steps=1)
    new, _ = _run(tmp_path, "new", micro_batch_tokens=96, **cfg)
    monkeypatch.setattr(loop_module, "loss_sum", reference_loss_sum)
    ref, _ = _run(tmp_path, "ref", **cfg)
    assert new.step == ref.step >= 100
    assert new.final_train_loss is not None and ref.final_train_loss is not None
    assert abs(new.final_train_loss - ref.final_train_loss) <= 0.01 * ref.final_train_loss
