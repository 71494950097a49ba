"""Resumable checkpoints: one file, written atomically, identified by its sha256.

File format (``torch.save`` of a dict, loadable with ``weights_only=True``)::

    format: "lora-pipeline-checkpoint", version: 1
    step: int                  # optimizer steps completed
    epoch: int                 # epoch of the next step (0-based)
    data_position: {epoch, step_in_epoch, steps_per_epoch, total_steps}
    adapter: {name: tensor}    # PEFT adapter weights only
    optimizer: AdamW state_dict
    scheduler: {kind, base_lr, warmup_steps, total_steps, step}
    rng: {python, numpy, torch, cuda}
    train_state: TrainState.to_dict()  # loop state, incl. the partial logging-interval sums,
                                       # so metrics continue seamlessly after a resume
    config: TrainingConfig.to_dict()
    metrics: {...}             # last known losses, for the API

A ``<file>.sha256`` sidecar holds the digest for loads that are not given one.
"""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

FORMAT = "lora-pipeline-checkpoint"
VERSION = 1


class CheckpointError(Exception):
    """Checkpoint missing, corrupt (sha256 mismatch) or of an unknown format."""


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def capture_rng() -> dict[str, Any]:
    """RNG states of python, numpy (global), torch CPU and every CUDA device."""
    np_state = np.random.get_state(legacy=False)
    return {
        "python": random.getstate(),
        "numpy": {
            "bit_generator": np_state["bit_generator"],
            "key": torch.from_numpy(np_state["state"]["key"].astype(np.int64)),
            "pos": int(np_state["state"]["pos"]),
            "has_gauss": int(np_state["has_gauss"]),
            "gauss": float(np_state["gauss"]),
        },
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng(state: dict[str, Any]) -> None:
    """Inverse of capture_rng (CUDA states are restored only when devices match)."""
    random.setstate(_tuplify(state["python"]))
    npst = state["numpy"]
    np.random.set_state(
        {
            "bit_generator": npst["bit_generator"],
            "state": {"key": npst["key"].numpy().astype(np.uint32), "pos": npst["pos"]},
            "has_gauss": npst["has_gauss"],
            "gauss": npst["gauss"],
        }
    )
    torch.set_rng_state(state["torch"])
    cuda = state.get("cuda") or []
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def _tuplify(value: Any) -> Any:
    # random.setstate needs tuples; a serializer may hand lists back.
    if isinstance(value, (list, tuple)):
        return tuple(_tuplify(v) for v in value)
    return value


def save_checkpoint(path: Path | str, state: dict[str, Any]) -> str:
    """Write ``state`` (see module doc) to ``path`` atomically; return the file's sha256.

    The payload goes to a temp file in the same directory, is fsynced, then renamed over the
    target, so readers see either the old complete file or the new complete file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": VERSION, **state}
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        digest = sha256_file(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    side = path.with_name(path.name + ".sha256")
    side_tmp = side.with_name(f".{side.name}.tmp-{os.getpid()}")
    side_tmp.write_text(f"{digest}  {path.name}\n")
    os.replace(side_tmp, side)
    return digest


def load_checkpoint(path: Path | str, expected_sha256: str | None = None) -> dict[str, Any]:
    """Load a checkpoint after verifying its sha256 (given, or from the sidecar file)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    if expected_sha256 is None:
        side = path.with_name(path.name + ".sha256")
        if not side.is_file():
            raise CheckpointError(f"no sha256 given and no sidecar for {path.name}")
        expected_sha256 = side.read_text().split()[0]
    actual = sha256_file(path)
    if actual != expected_sha256.lower():
        raise CheckpointError(
            f"checkpoint {path.name} sha256 mismatch: expected {expected_sha256}, got {actual}"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unpickling error means the file is unusable
        raise CheckpointError(f"checkpoint {path.name} could not be read: {exc}") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise CheckpointError(f"{path.name} is not a {FORMAT} file")
    if state.get("version") != VERSION:
        raise CheckpointError(f"{path.name}: unsupported checkpoint version {state.get('version')}")
    return state
