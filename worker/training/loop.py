"""The training loop: setup -> train -> checkpoint -> cleanup, in that order on the page.

Hot-path rules: nothing in a step waits on the network (the reporter queues), and nothing in a
step synchronizes with the device -- losses, grad norms and the first non-finite step are kept
in device tensors and read once per logging interval.
"""

from __future__ import annotations

import gc
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .artifacts import save_adapter_archive
from .checkpoints import capture_rng, load_checkpoint, restore_rng, save_checkpoint
from .config import TrainingConfig
from .errors import TrainingFailure, TrainingResult
from .gpu import GpuMonitor
from .models import load_for_training, load_tokenizer, pick_device
from .monitoring import GpuDropWatch, SpikeWatch, StageTracker
from .packing import collate, eval_batches
from .prepare import prepare_data
from .reporting import MetricPoint, Reporter
from .schedule import lr_at, warmup_steps_for
from .steps import ModelParts, evaluate, loss_sum, to_device

KEEP_CHECKPOINTS = 3


def run_training(
    *,
    config: TrainingConfig,
    dataset_path: Path | str,
    val_dataset_path: Path | str | None = None,
    work_dir: Path | str,
    reporter: Reporter,
    resume_from: Path | str | None = None,
    resume_sha256: str | None = None,
    device: str | None = None,
) -> TrainingResult:
    """Fine-tune ``config.base_model`` with LoRA on a JSONL dataset.

    Writes checkpoints to ``work_dir/checkpoints/`` and the final adapter to
    ``work_dir/adapter.tar.gz``. ``resume_from`` (+ its sha256, or a ``.sha256`` sidecar) continues
    a stopped or lost run at its saved step. Returns a TrainingResult (``stopped`` set on
    cancel/pause); raises TrainingFailure for every failure, with a category for the API.
    """
    t_start = time.perf_counter()
    config.validate()
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    seed_everything(config.seed)
    dev = pick_device(device)
    stages = StageTracker(reporter)
    monitor = GpuMonitor((dev.index or 0) if dev.type == "cuda" else None)
    loaded = None
    try:
        # ---- 1. preprocessing: validate, tokenize, split, pack; counts known before training
        with stages.run("preprocessing"):
            reporter.substatus("Loading tokenizer")
            tokenizer = load_tokenizer(config.base_model)
            reporter.substatus(f"Tokenizing and packing {Path(dataset_path).name}")
            data = prepare_data(config, tokenizer, dataset_path, val_dataset_path)
            counts = data.counts()
            reporter.substatus(
                f"Tokenized {counts['records']:,} examples · {counts['train_tokens']:,} tokens"
            )
            reporter.event(
                "info",
                f"Dataset: {counts['train_examples']:,} train / {counts['val_examples']:,} val "
                f"examples, {counts['total_steps']:,} steps, padding efficiency "
                f"{counts['padding_efficiency']:.1%}",
                counts,
            )
            if data.stats.truncated or data.stats.dropped_no_target:
                reporter.event(
                    "warning",
                    f"{data.stats.truncated} examples truncated to {config.max_seq_len} tokens, "
                    f"{len(data.stats.dropped_no_target)} dropped (no assistant tokens left)",
                    {"dropped_lines": data.stats.dropped_no_target[:20]},
                )

        # ---- 2. model loading: base + LoRA, optimizer, optional resume state
        with stages.run("model_loading"):
            reporter.substatus(f"Loading {config.base_model}")
            loaded = load_for_training(config, device=dev, tokenizer=tokenizer)
            reporter.event(
                "info",
                loaded.describe_params(),
                {
                    "trainable_params": loaded.trainable_params,
                    "total_params": loaded.total_params,
                    "source": loaded.source,
                    "device": str(dev),
                },
            )
            params = [p for p in loaded.model.parameters() if p.requires_grad]
            optimizer = torch.optim.AdamW(
                params,
                lr=config.learning_rate,
                weight_decay=config.weight_decay,
                betas=(0.9, 0.999),
                fused=dev.type == "cuda",
            )
            state = TrainState.fresh(dev)
            if resume_from is not None:
                state = resume(
                    loaded.model,
                    optimizer,
                    data.total_steps,
                    data.steps_per_epoch,
                    resume_from,
                    resume_sha256,
                    dev,
                )
                reporter.event(
                    "info",
                    f"Resumed from checkpoint at step {state.step}",
                    {"step": state.step, "path": str(resume_from)},
                )

        # ---- 3. training
        with stages.run("training", complete=False):
            stopped = train(config, data, loaded, optimizer, params, state, reporter, monitor, work)
            if stopped is not None:
                path, digest = write_checkpoint(
                    work, config, data, loaded.model, optimizer, state, reporter
                )
        if stopped is not None:
            reporter.event(
                "status",
                f"Training {'paused' if stopped == 'pause' else 'cancelled'}"
                f" at step {state.step}; checkpoint saved",
                {"step": state.step},
            )
            return result(
                state,
                data,
                loaded,
                t_start,
                stopped=stopped,
                checkpoint_path=path,
                checkpoint_sha256=digest,
            )
        stages.complete("training")

        # ---- 4. finalization: the adapter as one archive
        with stages.run("finalization"):
            reporter.substatus("Saving LoRA adapter")
            archive, digest = save_adapter_archive(loaded.model, work)
            reporter.event(
                "info",
                f"Adapter saved ({archive.stat().st_size / 1e6:.2f} MB)",
                {"path": str(archive), "sha256": digest},
            )
        return result(
            state, data, loaded, t_start, stopped=None, adapter_path=archive, adapter_sha256=digest
        )
    finally:
        # ---- cleanup: a Celery worker process lives on; give back device memory and NVML.
        monitor.close()
        del loaded
        gc.collect()
        if dev.type == "cuda":
            torch.cuda.empty_cache()


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch (all devices)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


@dataclass
class TrainState:
    """Mutable run state; everything here is in the checkpoint.

    The ``interval_*`` fields are sums since the last metric point. Tensors live on the device
    and are only read when a point is emitted.
    """

    step: int
    interval_loss: torch.Tensor
    interval_grad_norm: torch.Tensor
    first_bad_step: torch.Tensor
    interval_trainable: int = 0
    interval_tokens: int = 0
    interval_steps: int = 0
    interval_seconds: float = 0.0
    tokens_seen: int = 0
    initial_val_loss: float | None = None
    last_val_loss: float | None = None
    last_train_loss: float | None = None

    @classmethod
    def fresh(cls, dev: torch.device) -> TrainState:
        """Step 0 with empty sums."""
        z = torch.zeros((), device=dev, dtype=torch.float64)
        return cls(0, z, z.clone(), torch.full((), -1, device=dev, dtype=torch.long))

    def to_dict(self) -> dict[str, Any]:
        """Checkpointable form (tensors moved to CPU)."""
        out = dict(vars(self))
        for key in ("interval_loss", "interval_grad_norm", "first_bad_step"):
            out[key] = out[key].detach().cpu()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any], dev: torch.device) -> TrainState:
        """Inverse of to_dict."""
        d = dict(d)
        for key in ("interval_loss", "interval_grad_norm", "first_bad_step"):
            d[key] = d[key].to(dev)
        return cls(**d)


def train(
    config: TrainingConfig,
    data: Any,
    loaded: Any,
    optimizer: torch.optim.Optimizer,
    params: list[torch.nn.Parameter],
    state: TrainState,
    reporter: Reporter,
    monitor: GpuMonitor,
    work: Path,
) -> str | None:
    """Run optimizer steps from ``state.step`` to the end; return "cancel"/"pause" if stopped."""
    model, dev = loaded.model, loaded.device
    parts = ModelParts.of(model, dev)
    pad_id = int(loaded.tokenizer.pad_token_id)
    total, spe = data.total_steps, data.steps_per_epoch
    warmup = warmup_steps_for(total, config.warmup_ratio)
    val_batches = eval_batches(data.val, data.plan.rows_per_micro_batch, pad_id) if data.val else []
    spikes, gpu_drops = SpikeWatch(), GpuDropWatch()
    model.train()

    if state.step == 0 and val_batches:  # step-0 validation loss: the baseline of the curve
        state.initial_val_loss = state.last_val_loss = evaluate(model, parts, val_batches)
        reporter.metrics(
            MetricPoint(step=0, epoch=0.0, val_loss=state.initial_val_loss, **gpu_fields(monitor))
        )

    order_epoch, order = -1, []
    t_mark = time.perf_counter()
    while state.step < total:
        stop = reporter.should_stop()
        if stop in ("cancel", "pause"):
            state.interval_seconds += time.perf_counter() - t_mark
            check_finite(state)
            return stop
        epoch, step_in_epoch = divmod(state.step, spe)
        if epoch != order_epoch:  # the epoch's row order, seeded by (seed, epoch)
            order_epoch, order = epoch, data.plan.row_order(epoch)
        lr = lr_at(
            state.step + 1,
            base_lr=config.learning_rate,
            total_steps=total,
            warmup_steps=warmup,
            kind=config.lr_scheduler,
        )
        for group in optimizer.param_groups:
            group["lr"] = lr

        # -- one optimizer step over grad_accum_steps micro-batches
        per_step = data.plan.rows_per_step
        rows = order[step_in_epoch * per_step : (step_in_epoch + 1) * per_step]
        m = data.plan.rows_per_micro_batch
        micro = [collate(data.train, rows[i : i + m], pad_id) for i in range(0, len(rows), m)]
        n_trainable = sum(mb.n_trainable for mb in micro)  # known on CPU: exact mean, no sync
        step_loss = torch.zeros((), device=dev, dtype=torch.float64)
        for mb in micro:
            loss = loss_sum(parts, to_device(mb, parts))
            (loss / n_trainable).backward()
            step_loss += loss.detach().double()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1

        # -- bookkeeping without a device sync
        bad = ~torch.isfinite(step_loss) & (state.first_bad_step < 0)
        state.first_bad_step = torch.where(bad, state.step, state.first_bad_step)
        state.interval_loss += step_loss
        state.interval_grad_norm += grad_norm.detach().double()
        state.interval_trainable += n_trainable
        step_tokens = sum(mb.n_tokens for mb in micro)
        state.interval_tokens += step_tokens
        state.tokens_seen += step_tokens
        state.interval_steps += 1
        reporter.progress(
            step=state.step,
            total_steps=total,
            epoch=min(epoch + 1, data.epochs),
            total_epochs=data.epochs,
        )

        # -- one sync per logging interval (and at eval / last step)
        last = state.step == total
        do_eval = bool(val_batches) and (state.step % config.eval_every == 0 or last)
        if state.step % config.log_every == 0 or do_eval or last:
            state.interval_seconds += time.perf_counter() - t_mark
            point = flush_interval(state, lr, state.step / spe, monitor)
            if do_eval:
                state.last_val_loss = evaluate(model, parts, val_batches)
                point = MetricPoint(**{**point.to_dict(), "val_loss": state.last_val_loss})
            reporter.metrics(point)
            reporter.substatus(
                f"Epoch {min(epoch + 1, data.epochs)}/{data.epochs} · Step {state.step:,}/{total:,}"
            )
            warn_on_anomalies(point, spikes, gpu_drops, reporter)
            t_mark = time.perf_counter()
        if state.step % config.checkpoint_every == 0 and not last:
            state.interval_seconds += time.perf_counter() - t_mark
            write_checkpoint(work, config, data, model, optimizer, state, reporter)
            t_mark = time.perf_counter()
    return None


def check_finite(state: TrainState) -> None:
    """Raise nan_loss if any step so far had a non-finite loss (this syncs)."""
    bad = int(state.first_bad_step.item())
    if bad >= 0:
        raise TrainingFailure(
            category="nan_loss",
            step=bad,
            message=f"loss became NaN/inf at step {bad}; lower learning_rate",
        )


def flush_interval(state: TrainState, lr: float, epoch: float, monitor: GpuMonitor) -> MetricPoint:
    """Turn the interval sums into a MetricPoint (one device sync) and reset them."""
    loss_sum_, gn_sum, bad = torch.stack(
        [state.interval_loss, state.interval_grad_norm, state.first_bad_step.double()]
    ).tolist()
    if bad >= 0:
        raise TrainingFailure(
            category="nan_loss",
            step=int(bad),
            message=f"loss became NaN/inf at step {int(bad)}; lower learning_rate",
        )
    n = max(1, state.interval_steps)
    point = MetricPoint(
        step=state.step,
        epoch=round(epoch, 4),
        train_loss=loss_sum_ / max(1, state.interval_trainable),
        learning_rate=lr,
        grad_norm=gn_sum / n,
        tokens_per_second=state.interval_tokens / max(state.interval_seconds, 1e-9),
        **gpu_fields(monitor),
    )
    state.last_train_loss = point.train_loss
    state.interval_loss.zero_()
    state.interval_grad_norm.zero_()
    state.interval_trainable = state.interval_tokens = state.interval_steps = 0
    state.interval_seconds = 0.0
    return point


def gpu_fields(monitor: GpuMonitor) -> dict[str, float | None]:
    """NVML utilization/memory, or None for both on a CPU host."""
    sample = monitor.sample()
    if sample is None:
        return {"gpu_utilization": None, "gpu_memory_mb": None}
    return {"gpu_utilization": sample.utilization_percent, "gpu_memory_mb": sample.memory_used_mb}


def warn_on_anomalies(
    point: MetricPoint, spikes: SpikeWatch, drops: GpuDropWatch, reporter: Reporter
) -> None:
    """Loss spike (> 2x running mean) and GPU utilization drop warnings."""
    if point.train_loss is not None:
        mean = spikes.update(point.train_loss)
        if mean is not None:
            reporter.event(
                "warning",
                f"Loss spike at step {point.step}: {point.train_loss:.3f} "
                f"vs running mean {mean:.3f}",
                {"step": point.step, "train_loss": point.train_loss, "mean": mean},
            )
    dropped = drops.update(point.gpu_utilization)
    if dropped is not None:
        reporter.event(
            "warning",
            f"GPU utilization dropped to {point.gpu_utilization:.0f}% "
            f"(running mean {dropped:.0f}%)",
            {"step": point.step},
        )


def write_checkpoint(
    work: Path,
    config: TrainingConfig,
    data: Any,
    model: Any,
    optimizer: torch.optim.Optimizer,
    state: TrainState,
    reporter: Reporter,
) -> tuple[Path, str]:
    """Save a resumable checkpoint for ``state.step``, report it, prune old local files."""
    from peft import get_peft_model_state_dict

    check_finite(state)  # never persist a diverged run as a resume point
    epoch, step_in_epoch = divmod(state.step, data.steps_per_epoch)
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
        "adapter": {k: v.detach().cpu() for k, v in get_peft_model_state_dict(model).items()},
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
    ckpt_dir = work / "checkpoints"
    path = ckpt_dir / f"step-{state.step:07d}.pt"
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
    optimizer: torch.optim.Optimizer,
    total_steps: int,
    steps_per_epoch: int,
    path: Path | str,
    sha256: str | None,
    dev: torch.device,
) -> TrainState:
    """Load adapter, optimizer, RNG and loop state from a verified checkpoint."""
    from peft import set_peft_model_state_dict

    ckpt = load_checkpoint(path, sha256)
    pos = ckpt["data_position"]
    if pos["total_steps"] != total_steps or pos["steps_per_epoch"] != steps_per_epoch:
        raise TrainingFailure(
            category="internal_error",
            message=f"checkpoint was made for {pos['total_steps']} steps "
            f"({pos['steps_per_epoch']}/epoch), this run has {total_steps} "
            f"({steps_per_epoch}/epoch): dataset or config changed",
        )
    set_peft_model_state_dict(model, ckpt["adapter"])
    optimizer.load_state_dict(ckpt["optimizer"])
    restore_rng(ckpt["rng"])
    return TrainState.from_dict(ckpt["train_state"], dev)


def result(state: TrainState, data: Any, loaded: Any, t_start: float, **kw: Any) -> TrainingResult:
    """Assemble the TrainingResult."""
    return TrainingResult(
        step=state.step,
        total_steps=data.total_steps,
        epoch=round(state.step / data.steps_per_epoch, 4),
        initial_val_loss=state.initial_val_loss,
        final_val_loss=state.last_val_loss,
        final_train_loss=state.last_train_loss,
        tokens_seen=state.tokens_seen,
        trainable_params=loaded.trainable_params,
        total_params=loaded.total_params,
        duration_s=time.perf_counter() - t_start,
        counts=data.counts(),
        **kw,
    )
