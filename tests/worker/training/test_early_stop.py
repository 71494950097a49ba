"""Money-aware early stop: the projection on synthetic curves, the weights it keeps, and a real
tiny run that stops early and keeps its best adapter."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from tests.worker.training.conftest import fast_config, write_chat_dataset
from worker.training import RecordingReporter, evaluate_adapter, run_training
from worker.training.early_stop import fit_decay, project, should_stop
from worker.training.loop import EarlyStop

RATE = 3.0  # dollars per hour
STEP_SECONDS = 1.0


def _curve(fn: object, steps: range) -> list[tuple[int, float]]:
    return [(s, fn(s)) for s in steps]  # type: ignore[operator]


def test_a_plateauing_curve_is_not_worth_its_money() -> None:
    # 1 + 2 e^(-s/50): by step 400 it is within 0.07% of its floor.
    points = _curve(lambda s: 1.0 + 2.0 * math.exp(-s / 50.0), range(0, 401, 50))
    projection = project(points, total_steps=1000, seconds_per_step=STEP_SECONDS, hourly_rate=RATE)
    assert projection is not None
    assert projection.projected_final == pytest.approx(1.0, abs=1e-3)
    # The true gain left is 0.07%; the fitted one is of that order.
    assert 0.03 < projection.gain_percent < 0.2
    # 600 steps left at 1 s and $3/h: $0.50.
    assert projection.cost_left == pytest.approx(0.5)
    assert projection.gain_per_dollar < 0.4
    assert should_stop(projection, threshold=1.0)
    assert projection.reason() == "last 60% of steps would improve val loss by 0.1% for $0.50"
    assert projection.best_step == 400


def test_an_improving_curve_keeps_going() -> None:
    points = _curve(lambda s: 3.0 - 0.002 * s, range(0, 401, 50))
    projection = project(points, total_steps=1000, seconds_per_step=STEP_SECONDS, hourly_rate=RATE)
    assert projection is not None
    # Still falling in a straight line: the fit projects most of the remaining gain.
    assert projection.projected_final < 1.5
    assert projection.gain_percent > 30
    assert not should_stop(projection, threshold=1.0)


def test_a_rising_curve_projects_no_gain_and_the_option_off_never_stops() -> None:
    points = _curve(lambda s: 1.0 + 0.001 * s, range(0, 401, 50))
    projection = project(points, total_steps=1000, seconds_per_step=STEP_SECONDS, hourly_rate=RATE)
    assert projection is not None and projection.gain_percent == 0.0
    assert projection.best_step == 0
    assert should_stop(projection, threshold=1.0)
    assert not should_stop(projection, threshold=0.0)


def test_too_few_points_or_free_steps_give_no_projection() -> None:
    few = _curve(lambda s: 2.0 - 0.001 * s, range(0, 201, 50))[:4]
    assert project(few, total_steps=1000, seconds_per_step=1.0, hourly_rate=RATE) is None
    five = _curve(lambda s: 2.0 - 0.001 * s, range(0, 201, 50))
    assert project(five, total_steps=1000, seconds_per_step=1.0, hourly_rate=0.0) is None
    assert fit_decay([(5, 1.0), (5, 1.0), (5, 1.0)]) is None


def test_the_stop_puts_the_best_weights_back_and_says_why() -> None:
    param = torch.nn.Parameter(torch.zeros(3))
    early = EarlyStop(threshold=1.0, hourly_rate=RATE)
    rep = RecordingReporter()
    losses = [2.0, 1.5, 1.2, 1.1, 1.15, 1.16]  # best at step 300
    for i, loss in enumerate(losses):
        with torch.no_grad():
            param.fill_(float(i))
        early.observe(i * 100, loss, [param])
    assert early.decide(500, 600, 1.0, [param], rep)
    assert torch.equal(param.detach(), torch.full((3,), 3.0))
    assert early.outcome is not None and early.outcome["adapter_step"] == 300
    (type_, message, payload), *_ = rep.events
    assert type_ == "status"
    assert message.startswith("Early stop at step 500: last 17% of steps would improve val loss")
    assert message.endswith("keeping the adapter of step 300 (val loss 1.1000)")
    assert payload["gain_per_dollar"] < 1.0


def test_a_real_run_stops_early_and_keeps_its_best_adapter(tmp_path: Path) -> None:
    data = write_chat_dataset(tmp_path / "train.jsonl")
    config = fast_config(eval_every=2, early_stop_gain_per_dollar=5.0)
    rep = RecordingReporter()
    # At $100,000 an hour no improvement is worth the steps left: it stops at the first
    # projection (the fifth validation point, step 8).
    res = run_training(
        config=config,
        dataset_path=data,
        work_dir=tmp_path / "work",
        reporter=rep,
        hourly_rate=100_000.0,
    )
    assert res.stopped is None and res.early_stop is not None
    assert res.step == 8 < res.total_steps
    val = [(p.step, p.val_loss) for p in rep.points if p.val_loss is not None]
    best_step, best_loss = min(val, key=lambda p: p[1])
    assert res.early_stop["adapter_step"] == best_step
    assert res.final_val_loss == pytest.approx(best_loss)
    assert res.adapter_path is not None and res.adapter_path.exists()
    kept = evaluate_adapter(adapter_archive=res.adapter_path, config=config, dataset_path=data)
    assert kept == pytest.approx(best_loss, rel=1e-4)
    stops = [m for t, m, _ in rep.events if t == "status" and m.startswith("Early stop")]
    assert len(stops) == 1 and f"keeping the adapter of step {best_step}" in stops[0]
    assert ("finalization", "completed", "") in [(s, st, "") for s, st, _ in rep.stages]


def test_without_the_option_the_same_run_trains_to_the_end(tmp_path: Path) -> None:
    data = write_chat_dataset(tmp_path / "train.jsonl")
    res = run_training(
        config=fast_config(eval_every=2),
        dataset_path=data,
        work_dir=tmp_path / "work",
        reporter=RecordingReporter(),
        hourly_rate=100_000.0,
    )
    assert res.early_stop is None and res.step == res.total_steps
