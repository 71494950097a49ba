"""The final adapter as one archive, and re-evaluating an archive against a dataset."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from .checkpoints import sha256_file
from .config import TrainingConfig
from .models import load_with_adapter, pick_device
from .packing import eval_batches
from .prepare import prepare_data
from .steps import ModelParts, evaluate

ADAPTER_ARCHIVE = "adapter.tar.gz"


def save_adapter_archive(model: Any, work_dir: Path) -> tuple[Path, str]:
    """``save_pretrained`` the PEFT adapter and pack it as work_dir/adapter.tar.gz (atomic).

    The archive holds ``adapter/adapter_config.json`` and ``adapter/adapter_model.safetensors``.
    Returns (archive path, sha256).
    """
    work_dir = Path(work_dir)
    adapter_dir = work_dir / "adapter"
    if adapter_dir.exists():
        shutil.rmtree(adapter_dir)
    model.save_pretrained(str(adapter_dir), safe_serialization=True)
    archive = work_dir / ADAPTER_ARCHIVE
    fd, tmp_name = tempfile.mkstemp(prefix=".adapter-", suffix=".tar.gz", dir=work_dir)
    os.close(fd)
    try:
        with tarfile.open(tmp_name, "w:gz") as tar:
            tar.add(str(adapter_dir), arcname="adapter")
        os.replace(tmp_name, archive)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return archive, sha256_file(archive)


def extract_adapter_archive(archive: Path | str, dest: Path | str) -> Path:
    """Unpack an adapter archive; return the adapter directory. Refuses unsafe member paths."""
    dest = Path(dest)
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    adapter_dir = dest / "adapter"
    if not (adapter_dir / "adapter_config.json").is_file():
        raise ValueError(f"{archive} does not contain adapter/adapter_config.json")
    return adapter_dir


def evaluate_adapter(
    *,
    adapter_archive: Path | str,
    config: TrainingConfig,
    dataset_path: Path | str,
    val_dataset_path: Path | str | None = None,
    device: str | None = None,
) -> float | None:
    """Validation loss of a finished adapter on the same split the run used.

    Loads ``config.base_model`` plus the archived adapter, rebuilds the validation set exactly as
    run_training did (same config, seed and files) and returns the mean token loss.
    """
    dev = pick_device(device)
    with tempfile.TemporaryDirectory() as tmp:
        adapter_dir = extract_adapter_archive(adapter_archive, tmp)
        loaded = load_with_adapter(config.base_model, adapter_dir, device=dev)
    data = prepare_data(config, loaded.tokenizer, dataset_path, val_dataset_path)
    if data.val is None:
        return None
    batches = eval_batches(data.val, data.plan.rows_per_micro_batch, loaded.tokenizer.pad_token_id)
    return evaluate(loaded.model, ModelParts.of(loaded.model, dev), batches)
