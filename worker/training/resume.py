"""Writing and restoring resumable checkpoints for the loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from worker.contract.hyperparameters import RESUME_LOCKED_FIELDS

from .checkpoints import capture_rng, load_checkpoint, restore_rng, save_checkpoint
from .config import TrainingConfig
from .errors import TrainingFailure
from .precision import AdapterOptimizer
from .prepare import PreparedData
from .reporting import Reporter
from .schedule import warmup_steps_for
from .state import TrainState, check_finite

KEEP_CHECKPOINTS = 3


def write_checkpoint(
    work: Path,
    config: TrainingConfig,
    data: PreparedData,
    model: Any,
    optimizer: AdapterOptimizer,
    state: TrainState,
    reporter: Reporter,
) -> tuple[Path, str]:
    """Save a resumable checkpoint for ``state.step``, report it, prune old local files.

    The adapter tensors saved are the fp32 masters (in the mixed mode the model's own copies
    are bf16): a resume continues from full precision, and an archive built from a checkpoint
    is full precision."""
    from peft import get_peft_model_state_dict

    check_finite(state)  # never persist a diverged run as a resume point
    ckpt_dir = work / "checkpoints"
    path = ckpt_dir / f"step-{state.step:07d}.pt"
    side = path.with_name(path.name + ".sha256")
    if path.is_file() and side.is_file():
        # Already saved at this step (a stop right after a periodic checkpoint): nothing has
        # trained since, and the reporter may still be uploading that file under its digest, so
        # rewriting it would make the upload fail its sha256 check.
        return path, side.read_text().split()[0]
    epoch, step_in_epoch = divmod(state.step, data.steps_per_epoch)
    with optimizer.full_precision():  # cloned: the masters train on after this
        adapter = {k: v.detach().cpu().clone() for k, v in get_peft_model_state_dict(model).items()}
    metrics = {
        "train_loss": state.last_train_loss,
        "val_loss": state.last_val_loss,
        "initial_val_loss": state.initial_val_loss,
    }
    payload = {
        "step": state.step,
        "epoch": epoch,
        "data_position": {
            "epoch": epoch,
            "step_in_epoch": step_in_epoch,
            "steps_per_epoch": data.steps_per_epoch,
            "total_steps": data.total_steps,
        },
        "adapter": adapter,
        "optimizer": optimizer.state_dict(),
        "scheduler": {
            "kind": config.lr_scheduler,
            "base_lr": config.learning_rate,
            "warmup_steps": warmup_steps_for(data.total_steps, config.warmup_ratio),
            "total_steps": data.total_steps,
            "step": state.step,
        },
        "rng": capture_rng(),
        "train_state": state.to_dict(),
        "config": config.to_dict(),
        "metrics": metrics,
    }
    digest = save_checkpoint(path, payload)
    reporter.checkpoint(path=path, step=state.step, sha256=digest, metrics=metrics)
    reporter.event(
        "checkpoint",
        f"Checkpoint saved at step {state.step}",
        {"step": state.step, "sha256": digest, "bytes": path.stat().st_size},
    )
    # The reporter uploads from its own thread; keep a few recent files so it can finish.
    for old in sorted(ckpt_dir.glob("step-*.pt"))[:-KEEP_CHECKPOINTS]:
        old.unlink(missing_ok=True)
        old.with_name(old.name + ".sha256").unlink(missing_ok=True)
    return path, digest


def resume(
    model: Any,
    optimizer: AdapterOptimizer,
    config: TrainingConfig,
    total_steps: int,
    steps_per_epoch: int,
    path: Path | str,
    sha256: str | None,
    dev: torch.device,
) -> TrainState:
    """Load adapter, optimizer, RNG and loop state from a verified checkpoint. The adapter
    tensors go into the fp32 masters exactly (then, rounded, into a mixed model's bf16 copies),
    so a resumed run continues from the same weights as the uninterrupted one."""
    from peft import set_peft_model_state_dict

    ckpt = load_checkpoint(path, sha256)
    saved, now = ckpt["config"], config.to_dict()
    changed = [
        f"{k}: {saved.get(k)!r} -> {now[k]!r}"
        for k in RESUME_LOCKED_FIELDS
        if saved.get(k) != now[k]
    ]
    if changed:
        raise TrainingFailure(
            category="internal_error",
            message="checkpoint was made with a different config (" + "; ".join(changed) + ")",
            details={"reason": "checkpoint_config_mismatch"},
        )
    pos = ckpt["data_position"]
    if pos["total_steps"] != total_steps or pos["steps_per_epoch"] != steps_per_epoch:
        raise TrainingFailure(
            category="internal_error",
            message=f"checkpoint was made for {pos['total_steps']} steps "
            f"({pos['steps_per_epoch']}/epoch), this run has {total_steps} "
            f"({steps_per_epoch}/epoch): dataset or config changed",
        )
    with optimizer.full_precision():
        set_peft_model_state_dict(model, ckpt["adapter"])
    optimizer.load_state_dict(ckpt["optimizer"])
    restore_rng(ckpt["rng"])
    return TrainState.from_dict(ckpt["train_state"], dev)
