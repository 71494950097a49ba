"""End-to-end runs of the loop on the tiny preset (CPU, a few seconds each)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from tests.worker.training.conftest import fast_config, write_jsonl
from worker.training import (
    CheckpointError,
    NullReporter,
    RecordingReporter,
    TrainingFailure,
    TrainingResult,
    evaluate_adapter,
    load_checkpoint,
    run_training,
)
from worker.training import loop as loop_module
from worker.training.config import TrainingConfig
from worker.training.models import build_byte_tokenizer, build_tiny_model

STAGE_ORDER = [
    ("preprocessing", "active"),
    ("preprocessing", "completed"),
    ("model_loading", "active"),
    ("model_loading", "completed"),
    ("training", "active"),
    ("training", "completed"),
    ("finalization", "active"),
    ("finalization", "completed"),
]


@pytest.fixture(scope="module")
def full_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[TrainingResult, RecordingReporter, Path]:
    """Run A: the reference run every other test compares against."""
    from tests.worker.training.conftest import write_chat_dataset

    root = tmp_path_factory.mktemp("full")
    data = write_chat_dataset(root / "train.jsonl")
    rep = RecordingReporter()
    res = run_training(
        config=fast_config(), dataset_path=data, work_dir=root / "work", reporter=rep
    )
    return res, rep, data


def test_training_reduces_validation_loss(full_run) -> None:  # type: ignore[no-untyped-def]
    res, _, _ = full_run
    assert res.stopped is None
    assert res.step == res.total_steps == res.counts["total_steps"] > 10
    assert res.initial_val_loss is not None and res.final_val_loss is not None
    assert res.final_val_loss < res.initial_val_loss - 0.5
    assert res.tokens_seen == 2 * res.counts["train_tokens"]
    assert res.counts["padding_efficiency"] == 1.0
    assert res.adapter_path is not None and res.adapter_path.name == "adapter.tar.gz"


def test_metrics_are_unique_increasing_and_honest(full_run) -> None:  # type: ignore[no-untyped-def]
    res, rep, _ = full_run
    steps = [p.step for p in rep.points]
    assert steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] == res.total_steps
    assert rep.points[0].val_loss == res.initial_val_loss and rep.points[0].train_loss is None
    assert rep.points[-1].val_loss == res.final_val_loss
    for p in rep.points:
        assert p.gpu_utilization is None and p.gpu_memory_mb is None  # CPU host: never invented
        if p.step > 0:
            assert p.train_loss is not None and math.isfinite(p.train_loss)
            assert p.tokens_per_second is not None and p.tokens_per_second > 0
            assert p.grad_norm is not None and p.learning_rate is not None
    # log_every=3, eval_every=6: val loss exactly on eval steps and at the end
    assert [p.step for p in rep.points if p.val_loss is not None] == sorted(
        {0, *range(6, res.total_steps + 1, 6), res.total_steps}
    )
    # step 0 right after preprocessing (total steps known before training), then every step
    assert [c[0] for c in rep.progress_calls] == list(range(0, res.total_steps + 1))
    assert rep.progress_calls[0] == (0, res.total_steps, 1, 2)


def test_stages_and_events(full_run) -> None:  # type: ignore[no-untyped-def]
    res, rep, _ = full_run
    assert [(s, st) for s, st, _ in rep.stages] == STAGE_ORDER
    infos = [m for t, m, _ in rep.events if t == "info"]
    assert any(m.startswith("Trainable parameters: ") and "%" in m for m in infos)
    assert any("Stage training completed in" in m for _, m, _ in rep.events)
    ckpt_steps = [c.step for c in rep.checkpoints]
    assert ckpt_steps == list(range(10, res.total_steps, 10))
    assert any(s.startswith("Epoch 2/2 · Step") for s in rep.substatuses)
    assert "Tokenizing 96 conversations" in rep.substatuses


def test_a_metrics_event_at_each_logging_interval(full_run) -> None:  # type: ignore[no-untyped-def]
    res, rep, _ = full_run
    metric_events = [(m, p) for t, m, p in rep.events if t == "metrics"]
    logged = [p for p in rep.points if p.step > 0]  # step 0 is the baseline evaluation
    assert [p["step"] for _, p in metric_events] == [p.step for p in logged]
    for (message, payload), point in zip(metric_events, logged, strict=True):
        assert payload == {**point.to_dict(), "total_steps": res.total_steps}
        assert message.startswith(f"Step {point.step}/{res.total_steps} · train loss ")
        assert f"{point.tokens_per_second:,.0f} tok/s" in message
        assert "GPU" not in message  # CPU host: nothing measured, nothing shown
        assert ("val loss" in message) == (point.val_loss is not None)


def test_adapter_archive_reloads_with_same_val_loss(full_run) -> None:  # type: ignore[no-untyped-def]
    res, _, data = full_run
    loss = evaluate_adapter(
        adapter_archive=res.adapter_path, config=fast_config(), dataset_path=data
    )
    assert loss == pytest.approx(res.final_val_loss, rel=1e-6)


def test_pause_then_resume_matches_uninterrupted_run(full_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res_a, rep_a, data = full_run
    stop_step = 7  # not a log, eval or checkpoint boundary
    rep_b = RecordingReporter(stop_at=(stop_step, "pause"))
    res_b = run_training(
        config=fast_config(), dataset_path=data, work_dir=tmp_path / "b", reporter=rep_b
    )
    assert res_b.stopped == "pause" and res_b.step == stop_step
    assert res_b.checkpoint_path is not None and res_b.adapter_path is None
    assert rep_b.checkpoints[-1].step == stop_step
    assert ("training", "completed") not in [(s, st) for s, st, _ in rep_b.stages]

    rep_c = RecordingReporter()
    res_c = run_training(
        config=fast_config(),
        dataset_path=data,
        work_dir=tmp_path / "c",
        reporter=rep_c,
        resume_from=res_b.checkpoint_path,
        resume_sha256=res_b.checkpoint_sha256,
    )
    assert res_c.step == res_c.total_steps == res_a.total_steps
    # resumed at the saved step, then continues with the next one: no step runs twice
    assert [c[0] for c in rep_c.progress_calls[:2]] == [stop_step, stop_step + 1]
    b_steps = [p.step for p in rep_b.points]
    c_steps = [p.step for p in rep_c.points]
    assert min(c_steps) > stop_step and c_steps == sorted(set(c_steps))
    assert b_steps + c_steps == [p.step for p in rep_a.points]
    for pa, pbc in zip(rep_a.points, rep_b.points + rep_c.points, strict=True):
        for field in ("train_loss", "val_loss", "learning_rate", "grad_norm"):
            want, got = getattr(pa, field), getattr(pbc, field)
            assert (want is None) == (got is None), (pa.step, field)
            if want is not None:
                assert got == pytest.approx(want, rel=1e-5, abs=1e-7), (pa.step, field)
    assert res_c.final_train_loss == pytest.approx(res_a.final_train_loss, rel=1e-5)
    assert res_c.final_val_loss == pytest.approx(res_a.final_val_loss, rel=1e-5)
    assert res_c.initial_val_loss == res_a.initial_val_loss


def test_cancel_stops_within_one_step(dataset: Path, tmp_path: Path) -> None:
    rep = RecordingReporter(stop_at=(2, "cancel"))
    res = run_training(config=fast_config(), dataset_path=dataset, work_dir=tmp_path, reporter=rep)
    assert res.stopped == "cancel" and res.step == 2
    assert [c[0] for c in rep.progress_calls] == [0, 1, 2]
    assert rep.stop_requests == 2 + 3  # after each setup stage, then before every step
    state = load_checkpoint(res.checkpoint_path, res.checkpoint_sha256)
    assert state["step"] == 2 and state["data_position"]["step_in_epoch"] == 2
    assert any("cancelled at step 2" in m for _, m, _ in rep.events)


def test_cancel_before_training_starts(dataset: Path, tmp_path: Path) -> None:
    rep = RecordingReporter(stop_at=(0, "cancel"))
    res = run_training(config=fast_config(), dataset_path=dataset, work_dir=tmp_path, reporter=rep)
    assert res.stopped == "cancel" and res.step == 0 and res.checkpoint_path is None
    assert [(s, st) for s, st, _ in rep.stages] == STAGE_ORDER[:2]
    assert rep.points == []


def test_nan_loss_fails_with_the_step(dataset: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real = loop_module.loss_sum
    calls = {"n": 0}

    def poisoned(parts, batch):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        loss = real(parts, batch)
        # grad_accum_steps=2: micro-batches 9 and 10 belong to optimizer step 5
        return loss * float("nan") if calls["n"] == 9 else loss

    monkeypatch.setattr(loop_module, "loss_sum", poisoned)
    rep = RecordingReporter()
    with pytest.raises(TrainingFailure) as err:
        run_training(
            config=fast_config(eval_every=100, log_every=4, grad_accum_steps=2),
            dataset_path=dataset,
            work_dir=tmp_path,
            reporter=rep,
        )
    assert err.value.category == "nan_loss" and err.value.step == 5
    assert err.value.stage == "training"
    assert rep.stages[-1] == ("training", "failed", err.value.message)
    assert rep.events_of("error")


def test_absurd_learning_rate_diverges_to_nan_loss(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (lr=1e6 only collapses this model to a uniform prediction; 1e30 overflows fp32 for real)
    # The contract caps the learning rate at 0.1, which this model survives; the check is
    # bypassed so the loop's own NaN detection is what this test exercises.
    monkeypatch.setattr(TrainingConfig, "validate", lambda self: None)
    with pytest.raises(TrainingFailure) as err:
        run_training(
            config=fast_config(learning_rate=1e30, warmup_ratio=0.0, epochs=1),
            dataset_path=dataset,
            work_dir=tmp_path,
            reporter=NullReporter(),
        )
    assert err.value.category == "nan_loss" and err.value.step == 2


def test_invalid_dataset_fails_preprocessing(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "a", "completion": "b"}, "{oops"])
    rep = RecordingReporter()
    with pytest.raises(TrainingFailure) as err:
        run_training(config=fast_config(), dataset_path=bad, work_dir=tmp_path / "w", reporter=rep)
    assert err.value.category == "invalid_dataset" and err.value.line == 2
    assert "line 2" in err.value.message
    assert rep.stages == [
        ("preprocessing", "active", ""),
        ("preprocessing", "failed", err.value.message),
    ]


def test_missing_model_fails_model_loading(dataset: Path, tmp_path: Path) -> None:
    rep = RecordingReporter()
    with pytest.raises(TrainingFailure) as err:
        run_training(
            config=fast_config(base_model=str(tmp_path / "nope")),
            dataset_path=dataset,
            work_dir=tmp_path / "w",
            reporter=rep,
        )
    assert err.value.category == "model_load_failed"


def test_corrupt_checkpoint_is_detected(full_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, rep, data = full_run
    ckpt = rep.checkpoints[-1]
    copy = tmp_path / "ckpt.pt"
    blob = bytearray(ckpt.path.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    copy.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError, match="sha256 mismatch"):
        load_checkpoint(copy, ckpt.sha256)
    with pytest.raises(TrainingFailure) as err:
        run_training(
            config=fast_config(),
            dataset_path=data,
            work_dir=tmp_path / "w",
            reporter=NullReporter(),
            resume_from=copy,
            resume_sha256=ckpt.sha256,
        )
    assert err.value.category == "internal_error"
    assert err.value.details["reason"] == "checkpoint_invalid"


def test_resume_refuses_a_checkpoint_from_another_config(full_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, rep, data = full_run
    ckpt = rep.checkpoints[0]
    with pytest.raises(TrainingFailure) as err:
        run_training(
            config=fast_config(lora_r=4),
            dataset_path=data,
            work_dir=tmp_path,
            reporter=NullReporter(),
            resume_from=ckpt.path,
            resume_sha256=ckpt.sha256,
        )
    assert "lora_r: 8 -> 4" in err.value.message
    assert err.value.details["reason"] == "checkpoint_config_mismatch"


def test_local_model_directory(dataset: Path, tmp_path: Path) -> None:
    tok = build_byte_tokenizer()
    model_dir = tmp_path / "my-model"
    build_tiny_model(len(tok)).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)
    res = run_training(
        config=fast_config(base_model=str(model_dir), epochs=1),
        dataset_path=dataset,
        work_dir=tmp_path / "w",
        reporter=NullReporter(),
    )
    assert res.stopped is None and res.final_val_loss < res.initial_val_loss
    assert torch.isfinite(torch.tensor(res.final_train_loss))
