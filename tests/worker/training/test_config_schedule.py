"""TrainingConfig validation and learning-rate schedules."""

from __future__ import annotations

import math

import pytest

from worker.training import TrainingConfig
from worker.training.schedule import lr_at, warmup_steps_for


def test_defaults_are_valid_and_round_trip() -> None:
    cfg = TrainingConfig()
    cfg.validate()
    assert TrainingConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.tokens_per_micro_batch == cfg.batch_size * cfg.max_seq_len


def test_from_dict_names_every_bad_field() -> None:
    with pytest.raises(ValueError) as err:
        TrainingConfig.from_dict(
            {"epochs": 0, "learning_rate": "fast", "lr_scheduler": "step", "bogus": 1}
        )
    text = str(err.value)
    assert "learning_rate: must be a number" in text
    assert "bogus: unknown field" in text
    # type errors are reported first; a second call with types fixed reports ranges
    with pytest.raises(ValueError) as err2:
        TrainingConfig.from_dict({"epochs": 0, "lr_scheduler": "step", "lora_dropout": 1.5})
    assert "epochs: must be between 1 and 100" in str(err2.value)
    assert "lr_scheduler: must be cosine or linear" in str(err2.value)
    assert "lora_dropout" in str(err2.value)


def test_from_dict_coerces_json_values() -> None:
    cfg = TrainingConfig.from_dict(
        {"epochs": 2.0, "weight_decay": 1, "target_modules": "q_proj, v_proj"}
    )
    assert cfg.epochs == 2 and isinstance(cfg.weight_decay, float)
    assert cfg.target_modules == ("q_proj", "v_proj")
    with pytest.raises(ValueError, match="epochs: must be an integer"):
        TrainingConfig.from_dict({"epochs": True})


def test_warmup_steps() -> None:
    assert warmup_steps_for(100, 0.1) == 10
    assert warmup_steps_for(100, 0.0) == 0
    assert warmup_steps_for(1, 0.5) == 0
    assert warmup_steps_for(10, 0.99) == 9  # never the whole run


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        (0, 0.0),
        (1, 0.1),
        (5, 0.5),
        (10, 1.0),
        # 100 steps, 10 warmup: the decay spans 91 steps, so the last update is not at lr 0
        (55, 0.5 * (1 + math.cos(math.pi * 45 / 91))),
        (100, 0.5 * (1 + math.cos(math.pi * 90 / 91))),
    ],
)
def test_cosine_values(step: int, expected: float) -> None:
    got = lr_at(step, base_lr=1.0, total_steps=100, warmup_steps=10)
    assert got == pytest.approx(expected)


def test_cosine_last_step_is_small_but_positive() -> None:
    last = lr_at(100, base_lr=1.0, total_steps=100, warmup_steps=10)
    assert 0 < last < 1e-3


def test_linear_values() -> None:
    kw = dict(base_lr=2.0, total_steps=11, warmup_steps=0, kind="linear")
    assert lr_at(1, **kw) == pytest.approx(2.0 * (1 - 1 / 12))
    assert lr_at(6, **kw) == pytest.approx(2.0 * (1 - 6 / 12))
    assert lr_at(0, **kw) == 2.0
    with pytest.raises(ValueError):
        lr_at(1, base_lr=1.0, total_steps=10, warmup_steps=0, kind="step")
