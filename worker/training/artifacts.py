"""The final adapter as one archive, the same archive rebuilt from a checkpoint (what a
cancelled, failed or paused job leaves), and re-evaluating an archive against a dataset."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from .checkpoints import load_checkpoint, sha256_file
from .config import TrainingConfig
from .models import load_with_adapter, lora_config, pick_device
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
    _pack(adapter_dir, archive)
    return archive, sha256_file(archive)


def adapter_archive_from_checkpoint(
    checkpoint: Path | str, sha256: str, work_dir: Path
) -> tuple[Path, str]:
    """The adapter of a resumable checkpoint as work_dir/adapter.tar.gz, laid out as
    ``save_adapter_archive`` lays out a finished run's (loadable with ``load_with_adapter`` or
    ``PeftModel.from_pretrained``). The checkpoint's sha256 is verified first (CheckpointError).

    A checkpoint keeps ``get_peft_model_state_dict`` of the model, the tensors ``save_pretrained``
    writes, and the run's config, from which the adapter config is rebuilt as training built it.
    Returns (archive path, sha256).
    """
    from peft.utils import SAFETENSORS_WEIGHTS_NAME
    from safetensors.torch import save_file

    state = load_checkpoint(checkpoint, sha256)
    config = TrainingConfig.from_dict(state["config"])
    work_dir = Path(work_dir)
    adapter_dir = work_dir / "adapter"
    if adapter_dir.exists():
        shutil.rmtree(adapter_dir)
    adapter_dir.mkdir(parents=True)
    peft_config = lora_config(config)
    # As PeftModel.save_pretrained writes them: the base model's name, inference mode.
    peft_config.base_model_name_or_path = config.base_model
    peft_config.inference_mode = True
    peft_config.save_pretrained(str(adapter_dir))
    tensors = {name: t.contiguous() for name, t in state["adapter"].items()}
    save_file(tensors, str(adapter_dir / SAFETENSORS_WEIGHTS_NAME), metadata={"format": "pt"})
    archive = work_dir / ADAPTER_ARCHIVE
    _pack(adapter_dir, archive)
    return archive, sha256_file(archive)


def _pack(adapter_dir: Path, archive: Path) -> None:
    """Tar+gzip `adapter_dir` as ``adapter/`` into `archive`, atomically."""
    fd, tmp_name = tempfile.mkstemp(prefix=".adapter-", suffix=".tar.gz", dir=archive.parent)
    os.close(fd)
    try:
        with tarfile.open(tmp_name, "w:gz") as tar:
            tar.add(str(adapter_dir), arcname="adapter")
        os.replace(tmp_name, archive)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


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
