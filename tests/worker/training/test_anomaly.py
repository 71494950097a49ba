"""Anomaly auto-pause in the loop: a NaN/inf loss or a loss spike stops the run at the last
good checkpoint with what was found, instead of failing or running on (tiny preset, CPU)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.worker.training.conftest import fast_config
from worker.contract.names import ANOMALY_SPIKE_FACTOR, ANOMALY_WINDOW
from worker.training import RecordingReporter, TrainingFailure, run_training
from worker.training import loop as loop_module
from worker.training.monitoring import AnomalyWatch


def _poison(monkeypatch: pytest.MonkeyPatch, at_step: int, factor: float) -> None:
    """Multiply the loss of optimizer step `at_step` by `factor` (nan: a non-finite loss)."""
    real = loop_module.accumulate
    calls = {"n": 0}

    def accumulate(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        loss, n_trainable, tokens = real(*args, **kwargs)
        return (loss * factor if calls["n"] == at_step else loss), n_trainable, tokens

    monkeypatch.setattr(loop_module, "accumulate", accumulate)


def _run(dataset: Path, tmp_path: Path, **kw: Any) -> tuple[Any, RecordingReporter]:
    rep = RecordingReporter()
    res = run_training(
        config=fast_config(log_every=1, checkpoint_every=5, eval_every=100),
        dataset_path=dataset,
        work_dir=tmp_path,
        reporter=rep,
        **kw,
    )
    return res, rep


def test_a_loss_spike_pauses_at_the_last_good_checkpoint(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _poison(monkeypatch, at_step=12, factor=10.0)
    res, rep = _run(dataset, tmp_path, anomaly_pause=True)
    assert res.stopped == "pause" and res.step == 10 and res.adapter_path is None
    anomaly = res.anomaly
    assert anomaly["kind"] == "loss_spike" and anomaly["step"] == 12
    assert anomaly["resume_step"] == 10 and anomaly["ratio"] > ANOMALY_SPIKE_FACTOR
    # The curve: the rolling window before it, then the spike itself.
    assert [p["step"] for p in anomaly["curve"]] == list(range(12 - ANOMALY_WINDOW, 13))
    spike = next(p for p in rep.points if p.step == 12)
    assert anomaly["loss"] == pytest.approx(spike.train_loss)
    assert anomaly["learning_rate"] == pytest.approx(spike.learning_rate)
    # Nothing is saved past the anomaly, and the training stage neither completed nor failed.
    assert [c.step for c in rep.checkpoints] == [5, 10]
    assert [(s, st) for s, st, _ in rep.stages][-1] == ("training", "active")


def test_a_non_finite_loss_pauses_instead_of_failing(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _poison(monkeypatch, at_step=8, factor=float("nan"))
    res, rep = _run(dataset, tmp_path, anomaly_pause=True)
    assert res.stopped == "pause" and res.step == 5
    assert res.anomaly["kind"] == "non_finite_loss" and res.anomaly["step"] == 8
    assert res.anomaly["loss"] is None and res.anomaly["resume_step"] == 5
    assert [c.step for c in rep.checkpoints] == [5]
    assert max(p.step for p in rep.points) == 7  # the NaN step was never reported as a point


def test_without_the_option_a_nan_still_fails(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _poison(monkeypatch, at_step=8, factor=float("nan"))
    with pytest.raises(TrainingFailure) as err:
        _run(dataset, tmp_path)
    assert err.value.category == "nan_loss" and err.value.step == 8


def test_a_healthy_run_is_not_paused(dataset: Path, tmp_path: Path) -> None:
    res, _ = _run(dataset, tmp_path, anomaly_pause=True)
    assert res.stopped is None and res.anomaly is None and res.step == res.total_steps


def test_watch_needs_a_full_window_and_compares_with_its_mean() -> None:
    watch = AnomalyWatch(start_step=0, factor=3.0, window=3)
    assert watch.update(1, 9.0, 1e-3) is None  # no baseline yet: a high first loss is fine
    assert watch.update(2, 1.0, 1e-3) is None
    assert watch.update(3, 2.0, 1e-3) is None
    watch.checkpointed(3)
    assert watch.update(4, 11.9, 1e-3) is None  # mean 4.0: 11.9 < 3 x 4.0
    found = watch.update(5, 20.0, 5e-4)
    assert found is not None and found["kind"] == "loss_spike"
    assert found["baseline"] == pytest.approx((1.0 + 2.0 + 11.9) / 3)
    assert found["resume_step"] == 3 and found["learning_rate"] == 5e-4
    assert watch.update(6, math.inf, 1e-3)["kind"] == "non_finite_loss"  # type: ignore[index]
    assert torch.isfinite(torch.tensor(found["ratio"]))
