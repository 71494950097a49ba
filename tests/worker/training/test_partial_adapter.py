"""The adapter inside a checkpoint (what a cancelled, failed or paused job leaves) as the same
archive a finished run produces: PEFT loads it and gets exactly the weights of that step."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.worker.training.conftest import fast_config
from worker.training import CheckpointError, RecordingReporter, load_checkpoint, run_training
from worker.training.artifacts import (
    adapter_archive_from_checkpoint,
    evaluate_adapter,
    extract_adapter_archive,
)
from worker.training.models import load_with_adapter


def test_a_cancelled_runs_checkpoint_gives_a_loadable_adapter(
    dataset: Path, tmp_path: Path
) -> None:
    from peft import get_peft_model_state_dict

    rep = RecordingReporter(stop_at=(5, "cancel"))
    res = run_training(config=fast_config(), dataset_path=dataset, work_dir=tmp_path, reporter=rep)
    assert res.stopped == "cancel" and res.checkpoint_path is not None
    assert res.checkpoint_sha256 is not None
    archive, digest = adapter_archive_from_checkpoint(
        res.checkpoint_path, res.checkpoint_sha256, tmp_path / "export"
    )
    assert len(digest) == 64 and archive.name == "adapter.tar.gz"
    adapter_dir = extract_adapter_archive(archive, tmp_path / "unpacked")
    loaded = load_with_adapter("tiny-random-llama", adapter_dir, device=torch.device("cpu"))
    saved = load_checkpoint(res.checkpoint_path, res.checkpoint_sha256)["adapter"]
    reloaded = get_peft_model_state_dict(loaded.model)
    assert set(reloaded) == set(saved)
    assert all(torch.equal(reloaded[k].cpu(), saved[k]) for k in saved)
    # And it evaluates like any adapter archive (a finite validation loss on the same split).
    loss = evaluate_adapter(adapter_archive=archive, config=fast_config(), dataset_path=dataset)
    assert loss is not None and 0 < loss < 20


def test_a_damaged_checkpoint_is_refused(dataset: Path, tmp_path: Path) -> None:
    rep = RecordingReporter(stop_at=(2, "cancel"))
    res = run_training(config=fast_config(), dataset_path=dataset, work_dir=tmp_path, reporter=rep)
    assert res.checkpoint_path is not None
    with pytest.raises(CheckpointError, match="sha256 mismatch"):
        adapter_archive_from_checkpoint(res.checkpoint_path, "0" * 64, tmp_path / "export")
