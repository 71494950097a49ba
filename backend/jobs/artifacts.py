"""Partial artifacts: the adapter inside a checkpoint, packed as the archive a completed job
offers, so a cancelled, failed or paused job's training is not lost."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from backend.common.errors import ApplicationError, Conflict
from backend.jobs.models import Checkpoint


def checkpoint_adapter_open(*, checkpoint: Checkpoint) -> BinaryIO:
    """An open (binary, read-only) adapter archive rebuilt from `checkpoint`.

    Built in a temporary directory that is gone when this returns: the open handle keeps the
    file readable until the caller (a streaming response) closes it, and nothing is left behind
    if the client goes away. The checkpoint's sha256 is verified before anything is read from it.
    """
    # The training package (torch, PEFT) loads only when someone asks for a partial adapter.
    from worker.training.artifacts import adapter_archive_from_checkpoint
    from worker.training.checkpoints import CheckpointError

    with tempfile.TemporaryDirectory(prefix="lora-checkpoint-adapter-") as tmp:
        local = Path(tmp) / "checkpoint.pt"
        try:
            with checkpoint.file.open("rb") as src, local.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except FileNotFoundError as exc:
            raise ApplicationError(
                "The checkpoint's file is missing from storage.", code="not_found", status_code=404
            ) from exc
        try:
            archive, _ = adapter_archive_from_checkpoint(local, checkpoint.sha256, Path(tmp))
        except CheckpointError as exc:
            raise Conflict(
                f"The checkpoint at step {checkpoint.step} cannot be read: {exc}",
                code="checkpoint_unreadable",
            ) from exc
        return archive.open("rb")
