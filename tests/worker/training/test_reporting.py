"""Reporters, GPU sampling on a CPU host, anomaly watchers, checkpoint files."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from bench.threaded_reporter import ThreadedReporter
from worker.training import (
    CheckpointError,
    MetricSample,
    NullReporter,
    RecordingReporter,
    Reporter,
    load_checkpoint,
    save_checkpoint,
)
from worker.training.checkpoints import capture_rng, restore_rng, sha256_file
from worker.training.gpu import GpuMonitor
from worker.training.monitoring import GpuDropWatch, SpikeWatch


def test_reporters_satisfy_the_protocol() -> None:
    assert isinstance(NullReporter(), Reporter)
    assert isinstance(RecordingReporter(), Reporter)
    assert isinstance(ThreadedReporter(lambda batch: None), Reporter)


def test_gpu_monitor_reports_nothing_without_a_gpu() -> None:
    assert GpuMonitor(None).sample() is None
    if not torch.cuda.is_available():
        mon = GpuMonitor(0)  # NVML has no device here: still None, never a made-up number
        assert mon.sample() is None and not mon.available
        mon.close()


def test_threaded_reporter_ships_json_batches_and_coalesces_progress() -> None:
    batches: list[list[dict[str, Any]]] = []
    rep = ThreadedReporter(lambda b: batches.append(json.loads(json.dumps(b))), flush_interval=0.05)
    rep.stage("training")
    for step in range(1, 501):
        rep.progress(step=step, total_steps=500, epoch=1, total_epochs=1)
    rep.metrics(MetricSample(step=500, epoch=1.0, train_loss=1.5))
    rep.event("warning", "spike", {"step": 3})
    rep.checkpoint(path=Path("/x/step.pt"), step=500, sha256="ab", metrics={})
    assert rep.should_stop() is None
    rep.request_stop("cancel")
    assert rep.should_stop() == "cancel"
    rep.close()
    records = [r for b in batches for r in b]
    kinds = [r["kind"] for r in records]
    assert kinds.count("progress") <= 3  # 500 calls coalesced into at most a few sends
    assert [r for r in records if r["kind"] == "progress"][-1]["step"] == 500
    assert {"stage", "metrics", "event", "checkpoint"} <= set(kinds)
    assert next(r for r in records if r["kind"] == "metrics")["train_loss"] == 1.5


def test_threaded_reporter_survives_a_failing_sink_and_never_blocks() -> None:
    def boom(batch: list[dict[str, Any]]) -> None:
        time.sleep(0.2)
        raise ConnectionError("API down")

    rep = ThreadedReporter(boom, flush_interval=0.01)
    t0 = time.perf_counter()
    for i in range(1000):
        rep.event("info", f"e{i}")
        rep.should_stop()
    assert time.perf_counter() - t0 < 0.5  # the loop never waits on the sink
    rep.close()
    assert rep.send_errors >= 1


def test_spike_and_gpu_drop_watchers() -> None:
    spikes = SpikeWatch()
    assert [spikes.update(v) for v in (2.0, 1.9, 1.8, 1.7)] == [None] * 4
    assert spikes.update(5.0) is not None
    drops = GpuDropWatch(cooldown=5)
    assert [drops.update(u) for u in (95, 96, 94)] == [None] * 3
    assert drops.update(20) is not None
    assert drops.update(20) is None  # cooldown: one warning, not one per sample
    assert GpuDropWatch().update(None) is None


def test_checkpoint_round_trip_with_sidecar_and_rng(tmp_path: Path) -> None:
    random.seed(1)
    np.random.seed(2)
    torch.manual_seed(3)
    rng = capture_rng()
    expected = (random.random(), float(np.random.rand()), float(torch.rand(())))
    path = tmp_path / "ckpt" / "step-1.pt"
    digest = save_checkpoint(path, {"step": 1, "rng": rng, "w": torch.ones(3)})
    assert digest == sha256_file(path)
    assert not list(path.parent.glob(".*tmp*"))  # the temp file was renamed away
    state = load_checkpoint(path)  # sha256 from the sidecar
    restore_rng(state["rng"])
    assert (random.random(), float(np.random.rand()), float(torch.rand(()))) == expected
    assert state["step"] == 1 and torch.equal(state["w"], torch.ones(3))
    with pytest.raises(CheckpointError, match="mismatch"):
        load_checkpoint(path, "0" * 64)


def test_foreign_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "x.pt"
    torch.save({"hello": 1}, path)
    with pytest.raises(CheckpointError, match="not a lora-pipeline-checkpoint"):
        load_checkpoint(path, sha256_file(path))
    with pytest.raises(CheckpointError, match="no sha256"):
        load_checkpoint(path)


def test_failures_are_classified_for_the_api() -> None:
    from worker.training.data import DatasetError
    from worker.training.models import ModelLoadError
    from worker.training.monitoring import classify

    oom = classify(
        torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB"), stage="training"
    )
    assert oom.category == "out_of_memory" and "batch_size" in oom.message
    cpu_oom = classify(RuntimeError("DefaultCPUAllocator: can't allocate memory"), stage="x")
    assert cpu_oom.category == "out_of_memory"
    bad = classify(DatasetError(line=7, message="invalid JSON"), stage="preprocessing")
    assert (bad.category, bad.line, bad.stage) == ("invalid_dataset", 7, "preprocessing")
    assert classify(ModelLoadError("nope"), stage="m").category == "model_load_failed"
    other = classify(KeyError("x"), stage="training")
    assert other.category == "internal_error" and other.details["reason"] == "KeyError"
    assert other.to_dict()["stage"] == "training"
