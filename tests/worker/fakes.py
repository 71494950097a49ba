"""A stand-in for worker.training.run_training: reports like the real loop, trains nothing."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class FakeResult:
    stopped: str | None
    step: int
    total_steps: int
    epoch: float
    adapter_path: Path | None = None
    adapter_sha256: str | None = None
    initial_val_loss: float | None = 3.0
    final_val_loss: float | None = 1.0
    tokens_seen: int = 1000
    duration_s: float = 0.5
    counts: dict[str, Any] = field(default_factory=dict)


class FakeFailure(Exception):
    def __init__(self, category: str, message: str, step: int | None = None) -> None:
        super().__init__(message)
        self.category, self.message, self.step = category, message, step
        self.stage, self.line, self.details = "training", None, {}


@dataclass
class FakePoint:
    step: int
    epoch: float
    train_loss: float

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "epoch": self.epoch, "train_loss": self.train_loss}


def fake_training(
    *,
    steps: int = 30,
    checkpoint_at: int | None = 10,
    fail_at: int | None = None,
    step_seconds: float = 0.0,
) -> Any:
    def run(*, config: Any, dataset_path: Path, work_dir: Path, reporter: Any, **kw: Any) -> Any:
        assert Path(dataset_path).read_bytes()  # the dataset was downloaded
        work = Path(work_dir)
        work.mkdir(parents=True, exist_ok=True)
        for stage in ("preprocessing", "model_loading"):
            reporter.stage(stage, state="active")
            reporter.event("status", f"Stage {stage} started", {"stage": stage})
            reporter.stage(stage, state="completed", message="0.0s")
        reporter.stage("training", state="active")
        for step in range(1, steps + 1):
            stop = reporter.should_stop()
            if stop:
                return FakeResult(stopped=stop, step=step - 1, total_steps=steps, epoch=0.5)
            if fail_at == step:
                raise FakeFailure("nan_loss", f"loss became NaN/inf at step {step}", step)
            time.sleep(step_seconds)
            reporter.progress(step=step, total_steps=steps, epoch=1, total_epochs=1)
            reporter.metrics(FakePoint(step, step / steps, 3.0 - step / steps))
            reporter.event("info", f"step {step} done", {"step": step})
            if step == checkpoint_at:
                path = work / f"step-{step:07d}.pt"
                path.write_bytes(b"checkpoint %d" % step)
                sha = hashlib.sha256(path.read_bytes()).hexdigest()
                reporter.checkpoint(path=path, step=step, sha256=sha, metrics={"loss": 2.0})
        reporter.stage("training", state="completed")
        reporter.stage("finalization", state="active")
        adapter = work / "adapter.tar.gz"
        adapter.write_bytes(b"adapter bytes")
        reporter.stage("finalization", state="completed")
        return FakeResult(
            stopped=None,
            step=steps,
            total_steps=steps,
            epoch=1.0,
            adapter_path=adapter,
            adapter_sha256=hashlib.sha256(adapter.read_bytes()).hexdigest(),
        )

    return run
