"""The training loop: setup -> train -> checkpoint -> cleanup, in that order on the page.

Hot-path rules: nothing in a step waits on the network (the reporter queues), and nothing in a
step synchronizes with the device -- losses, grad norms and the first non-finite step are kept
in device tensors and read once per logging interval.

An optimizer step trains on its rows' examples (batch_size x grad_accum_steps packed rows); how
many forward/backward passes that takes is the device's business: at model load the engine
sizes micro-batches to the device (sizing.py: a memory probe on CUDA, the config on CPU), and
an out-of-memory error halves that budget and redoes the same step with the same RNG state.
"""

from __future__ import annotations

import gc
import logging
import os
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .artifacts import save_adapter_archive
from .config import TrainingConfig
from .early_stop import Projection, project, should_stop
from .errors import TrainingFailure, TrainingResult
from .gpu import GpuMonitor
from .models import LoadedModel, load_for_training, load_tokenizer, pick_device
from .monitoring import AnomalyWatch, GpuDropWatch, SpikeWatch, StageTracker
from .packing import MicroBatch, PackedSet, collate_examples, eval_batches, split_step
from .precision import AdapterOptimizer
from .prepare import PreparedData, prepare_data
from .reporting import MetricSample, Reporter
from .resume import resume, write_checkpoint
from .schedule import lr_at, warmup_steps_for
from .sizing import (
    DoesNotFit,
    Sizing,
    free_device_memory,
    micro_batches_per_step,
    probe_cuda,
    set_checkpointing,
    sizing_from_config,
)
from .state import TrainState, check_finite, flush_interval, gpu_fields, warn_on_anomalies
from .steps import DeviceFeeder, ModelParts, compile_layers, evaluate, loss_sum

logger = logging.getLogger(__name__)


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
    anomaly_pause: bool = False,
    hourly_rate: float | None = None,
) -> TrainingResult:
    """Fine-tune ``config.base_model`` with LoRA on a JSONL dataset.

    ``anomaly_pause``: a non-finite loss or a loss spike (see AnomalyWatch) stops the run
    with ``stopped="pause"`` and the anomaly, at the last good checkpoint, instead of failing
    with nan_loss or running on.

    ``hourly_rate`` (dollars per hour of this job) prices the steps left for the money-aware
    early stop (``config.early_stop_gain_per_dollar``); without it the option stays off.

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
            data = prepare_data(
                config, tokenizer, dataset_path, val_dataset_path, on_status=reporter.substatus
            )
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
                    data.stats.warning_payload(config.max_seq_len),
                )
            if resume_from is None:  # total steps are known now: let the API show them
                reporter.progress(
                    step=0, total_steps=data.total_steps, epoch=1, total_epochs=data.epochs
                )
        if (early := stop_request(reporter)) is not None:  # cancelled while preprocessing
            return stopped_before_training(early, data, t_start, resume_from, resume_sha256)

        # ---- 2. model loading: base + LoRA, optimizer, optional resume state
        with stages.run("model_loading"):
            reporter.substatus(f"Loading {config.base_model}")
            loaded = load_for_training(config, device=dev, tokenizer=tokenizer)
            # On CUDA the adapters move to bf16 here and AdamW gets fp32 masters (precision.py)
            optimizer = AdapterOptimizer.for_model(
                loaded.model, lr=config.learning_rate, weight_decay=config.weight_decay, device=dev
            )
            reporter.event(
                "info",
                f"{loaded.describe_params()}. {optimizer.describe()}",
                {
                    "trainable_params": loaded.trainable_params,
                    "total_params": loaded.total_params,
                    "source": loaded.source,
                    "device": str(dev),
                    "adapter_precision": optimizer.mode,
                },
            )
            reporter.substatus("Sizing micro-batches")
            sizing = size_micro_batches(config, data, loaded)
            reporter.event("info", sizing.describe(), {"sizing": sizing.to_payload()})
            state = TrainState.fresh(dev)
            if resume_from is not None:
                state = resume(
                    loaded.model,
                    optimizer,
                    config,
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
                reporter.progress(
                    step=state.step,
                    total_steps=data.total_steps,
                    epoch=min(state.step // data.steps_per_epoch + 1, data.epochs),
                    total_epochs=data.epochs,
                )
        if (early := stop_request(reporter)) is not None:  # cancelled while loading the model
            return stopped_before_training(early, data, t_start, resume_from, resume_sha256)

        # ---- 3. training
        watch = AnomalyWatch(state.step) if anomaly_pause else None
        with stages.run("training", complete=False):
            money_stop = EarlyStop(config.early_stop_gain_per_dollar, hourly_rate)
            stopped = train(
                config,
                data,
                loaded,
                optimizer,
                state,
                reporter,
                monitor,
                work,
                sizing,
                watch,
                early=money_stop,
            )
            if stopped is not None and (watch is None or watch.found is None):
                path, digest = write_checkpoint(
                    work, config, data, loaded.model, optimizer, state, reporter
                )
        if watch is not None and watch.found is not None:
            # Nothing is saved past the anomaly: the API resumes from the last good checkpoint.
            back = int(watch.found["resume_step"])
            return replace(
                result(state, data, loaded, t_start, stopped="pause", anomaly=watch.found),
                step=back,
                epoch=round(back / data.steps_per_epoch, 4),
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

        # ---- 4. finalization: the adapter as one archive, the fp32 masters in it
        with stages.run("finalization"):
            reporter.substatus("Saving LoRA adapter")
            with optimizer.full_precision():
                archive, digest = save_adapter_archive(loaded.model, work)
            reporter.event(
                "info",
                f"Adapter saved ({archive.stat().st_size / 1e6:.2f} MB)",
                {"path": str(archive), "sha256": digest},
            )
        return result(
            state,
            data,
            loaded,
            t_start,
            stopped=None,
            adapter_path=archive,
            adapter_sha256=digest,
            early_stop=money_stop.outcome,
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


def train(
    config: TrainingConfig,
    data: PreparedData,
    loaded: LoadedModel,
    optimizer: AdapterOptimizer,
    state: TrainState,
    reporter: Reporter,
    monitor: GpuMonitor,
    work: Path,
    sizing: Sizing | None = None,
    watch: AnomalyWatch | None = None,
    early: EarlyStop | None = None,
) -> str | None:
    """Run optimizer steps from ``state.step`` to the end; return "cancel"/"pause" if stopped.

    With ``watch`` (anomaly auto-pause) a non-finite loss or a loss spike returns "pause"
    with ``watch.found`` set, instead of raising nan_loss or running on.

    With ``early`` on, every validation may end training early (returns None like a finished
    run): the model then holds the best val-loss adapter weights, see EarlyStop.

    Each step's examples are cut into micro-batches of ``sizing.budget_tokens`` (default:
    measured now, see size_micro_batches); an out-of-memory error redoes the step smaller.
    """
    model, dev = loaded.model, loaded.device
    parts = ModelParts.of(model, dev)
    sizing = sizing or size_micro_batches(config, data, loaded)
    bucket = compile_layers(parts)  # 0 unless LORA_PIPELINE_COMPILE=1 on CUDA
    feed = DeviceFeeder(dev, static=bucket > 0)
    pad_id = int(loaded.tokenizer.pad_token_id)
    total, spe = data.total_steps, data.steps_per_epoch
    warmup = warmup_steps_for(total, config.warmup_ratio)
    val_batches = eval_batches(data.val, data.plan.rows_per_micro_batch, pad_id) if data.val else []
    spikes, gpu_drops = SpikeWatch(), GpuDropWatch()
    model.train()

    if state.step == 0 and val_batches:  # step-0 validation loss: the baseline of the curve
        state.initial_val_loss = state.last_val_loss = evaluate(model, parts, val_batches, feed)
        reporter.metrics(
            MetricSample(step=0, epoch=0.0, val_loss=state.initial_val_loss, **gpu_fields(monitor))
        )
    early = early or EarlyStop(0.0, None)
    if state.step == 0 and state.initial_val_loss is not None:
        early.observe(0, state.initial_val_loss, optimizer.masters)

    order_epoch, order = -1, []
    t_mark = time.perf_counter()
    t_train, first_step = t_mark, state.step
    lr = config.learning_rate
    try:
        while state.step < total:
            stop = stop_request(reporter)
            if stop is not None:
                state.interval_seconds += synced_elapsed(dev, t_mark)
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

            # -- one optimizer step: its rows' examples in micro-batches of the device's size
            per_step = data.plan.rows_per_step
            rows = order[step_in_epoch * per_step : (step_in_epoch + 1) * per_step]
            rng = torch.random.get_rng_state(), cuda_rng_state(dev)
            while True:
                try:
                    step_loss, n_trainable, step_tokens = accumulate(
                        parts,
                        feed,
                        data.train,
                        rows,
                        sizing.budget_tokens,
                        pad_id,
                        optimizer,
                        bucket,
                    )
                    break
                except torch.OutOfMemoryError:
                    optimizer.zero_grad()
                # outside the except block: the failed step's tensors are unreachable now
                sizing = after_oom(sizing, model, dev, data, state.step + 1, reporter)
                set_rng_state(dev, rng)  # the redo draws the same dropout masks
            # clip + AdamW on the fp32 (master) grads, multi-tensor kernels on CUDA; in the mixed
            # mode one foreach copy then puts the masters back into the bf16 adapters
            grad_norm = optimizer.step(config.max_grad_norm)
            state.step += 1

            # -- bookkeeping without a device sync
            bad = ~torch.isfinite(step_loss) & (state.first_bad_step < 0)
            state.first_bad_step = torch.where(bad, state.step, state.first_bad_step)
            state.interval_loss += step_loss
            state.interval_grad_norm += grad_norm.detach().double()
            state.interval_trainable += n_trainable
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
                state.interval_seconds += synced_elapsed(dev, t_mark)
                point = flush_interval(state, lr, state.step / spe, monitor)
                if do_eval:
                    state.last_val_loss = evaluate(model, parts, val_batches, feed)
                    point = MetricSample(**{**point.to_dict(), "val_loss": state.last_val_loss})
                reporter.metrics(point)
                # The event log's "Metrics" entries: one per logging interval, values as sent.
                reporter.event(
                    "metrics", point.describe(total), {**point.to_dict(), "total_steps": total}
                )
                logger.info("%s", point.describe(total))  # the worker log's line
                shown_epoch = min(epoch + 1, data.epochs)
                reporter.substatus(
                    f"Epoch {shown_epoch}/{data.epochs} · Step {state.step:,}/{total:,}"
                )
                warn_on_anomalies(point, spikes, gpu_drops, reporter)
                if watch is not None and watch.update(point.step, point.train_loss, lr):
                    return "pause"  # the state is past the anomaly: nothing is saved
                if do_eval and not last and state.last_val_loss is not None:
                    early.observe(state.step, state.last_val_loss, optimizer.masters)
                    step_seconds = (time.perf_counter() - t_train) / max(state.step - first_step, 1)
                    if early.decide(state.step, total, step_seconds, optimizer.masters, reporter):
                        optimizer.push_to_model()  # the best masters, into the bf16 adapters
                        assert early.best is not None
                        state.last_val_loss = early.best[1]  # what the kept adapter scores
                        return None
                t_mark = time.perf_counter()
            if state.step % config.checkpoint_every == 0 and not last:
                state.interval_seconds += synced_elapsed(dev, t_mark)
                write_checkpoint(work, config, data, model, optimizer, state, reporter)
                if watch is not None:
                    watch.checkpointed(state.step)
                t_mark = time.perf_counter()
    except TrainingFailure as exc:
        if watch is None or exc.category != "nan_loss":
            raise
        watch.non_finite(exc.step if exc.step is not None else state.step, lr)
        return "pause"
    return None


class EarlyStop:
    """The money-aware early stop's state in the loop: the val curve of this attempt and a CPU
    copy of the adapter weights at the best val loss (only while the option is on)."""

    def __init__(self, threshold: float, hourly_rate: float | None) -> None:
        self.enabled = threshold > 0 and bool(hourly_rate)
        self.threshold = threshold
        self.hourly_rate = float(hourly_rate or 0.0)
        self.curve: list[tuple[int, float]] = []
        self.best: tuple[int, float, list[torch.Tensor]] | None = None
        self.outcome: dict[str, Any] | None = None

    def observe(self, step: int, val_loss: float, params: list[torch.nn.Parameter]) -> None:
        """Record a validation point; keep the weights when it is the best so far."""
        if not self.enabled:
            return
        self.curve.append((step, val_loss))
        if self.best is None or val_loss < self.best[1]:
            weights = [p.detach().to("cpu", copy=True) for p in params]
            self.best = (step, val_loss, weights)

    def decide(
        self,
        step: int,
        total: int,
        seconds_per_step: float,
        params: list[torch.nn.Parameter],
        reporter: Reporter,
    ) -> bool:
        """Stop now? If so, put the best weights back and say why in the event log."""
        if not self.enabled or self.best is None:
            return False
        projection: Projection | None = project(
            self.curve,
            total_steps=total,
            seconds_per_step=seconds_per_step,
            hourly_rate=self.hourly_rate,
        )
        if not should_stop(projection, self.threshold):
            return False
        assert projection is not None
        best_step, best_loss, weights = self.best
        with torch.no_grad():
            for p, saved in zip(params, weights, strict=True):
                p.copy_(saved.to(p.device))
        reason = projection.reason()
        self.outcome = {
            **projection.to_payload(),
            "reason": reason,
            "adapter_step": best_step,
            "threshold": self.threshold,
        }
        reporter.event(
            "status",
            f"Early stop at step {step:,}: {reason} "
            f"(below {self.threshold:g}% per dollar); keeping the adapter of step "
            f"{best_step:,} (val loss {best_loss:.4f})",
            self.outcome,
        )
        return True


def accumulate(
    parts: ModelParts,
    feed: DeviceFeeder,
    packed: PackedSet,
    rows: list[int],
    budget: int,
    pad_id: int,
    optimizer: AdapterOptimizer,
    bucket: int = 0,
) -> tuple[torch.Tensor, int, int]:
    """Forward+backward of one optimizer step's examples in micro-batches of at most ``budget``
    tokens; gradients of (summed loss / the step's trainable tokens) accumulate in fp32: in the
    masters' ``.grad`` (mixed mode: folded in after each backward) or the params' own.
    Returns (summed loss as a device tensor, trainable tokens, real tokens)."""
    micro: list[MicroBatch] = [
        collate_examples(packed, ids, pad_id, bucket) for ids in split_step(packed, rows, budget)
    ]
    n_trainable = sum(mb.n_trainable for mb in micro)  # known on CPU: exact mean, no sync
    step_loss = torch.zeros((), device=parts.device, dtype=torch.float64)
    for mb in micro:
        loss = loss_sum(parts, feed(mb, parts.attn_kernel))
        (loss / n_trainable).backward()
        optimizer.fold_grads()
        step_loss += loss.detach().double()
    return step_loss, n_trainable, sum(mb.n_tokens for mb in micro)


def size_micro_batches(config: TrainingConfig, data: PreparedData, loaded: LoadedModel) -> Sizing:
    """The micro-batch budget for this job: probed on CUDA, from the config on CPU (one packed
    row, batch_size * max_seq_len tokens). LORA_PIPELINE_MICRO_BATCH_TOKENS, a worker-host
    setting, overrides the CPU budget and caps the CUDA one (the job's hyperparameters stay
    the contract's: the budget never changes what a step trains on)."""
    packed: PackedSet = data.train
    min_tokens = max(len(ex.input_ids) for ex in packed.examples)
    steps = [data.plan.step_rows(0, s) for s in range(data.plan.steps_per_epoch)]
    step_rows = [[r for mb in step for r in mb] for step in steps]
    explicit = int(os.environ.get("LORA_PIPELINE_MICRO_BATCH_TOKENS", "0") or 0)
    if loaded.device.type != "cuda":
        budget = explicit or config.tokens_per_micro_batch
        return sizing_from_config(
            budget=budget, packed=packed, min_tokens=min_tokens, step_rows=step_rows
        )
    parts = ModelParts.of(loaded.model, loaded.device)
    feed = DeviceFeeder(loaded.device)
    pad_id = int(loaded.tokenizer.pad_token_id)

    def step_fn(mb: MicroBatch) -> None:
        loss_sum(parts, feed(mb, parts.attn_kernel)).backward()

    max_tokens = max(sum(packed.row_tokens(r) for r in rows) for rows in step_rows)
    if explicit:  # a host-set budget is a ceiling for the probe too
        max_tokens = min(max_tokens, max(min_tokens, explicit))
    try:
        return probe_cuda(
            step_fn=step_fn,
            packed=packed,
            pad_id=pad_id,
            device=loaded.device,
            trainable_bytes=4 * loaded.trainable_params,
            min_tokens=min_tokens,
            max_tokens=max_tokens,
            model=loaded.model,
            step_rows=step_rows,
        )
    except DoesNotFit as exc:
        raise TrainingFailure(
            category="out_of_memory", message=str(exc), stage="model_loading"
        ) from None


def after_oom(
    sizing: Sizing, model: Any, dev: torch.device, data: PreparedData, step: int, reporter: Reporter
) -> Sizing:
    """Free memory and pick the smaller sizing to redo ``step`` with (see Sizing.shrink); fail
    with out_of_memory when not even one example fits with gradient checkpointing."""
    free_device_memory(dev)
    smaller = sizing.shrink()
    if smaller is None:
        raise TrainingFailure(
            category="out_of_memory",
            message=f"out of memory at step {step}: one example of {sizing.min_tokens} tokens "
            "does not fit, even with gradient checkpointing -- reduce max_seq_len",
            step=step,
            stage="training",
        )
    if smaller.gradient_checkpointing and not sizing.gradient_checkpointing:
        set_checkpointing(model, True)
    steps = [data.plan.step_rows(0, s) for s in range(data.plan.steps_per_epoch)]
    per_step = micro_batches_per_step(
        data.train, [[r for mb in st for r in mb] for st in steps], smaller.budget_tokens
    )
    smaller = replace(smaller, source="oom", micro_batches_per_step=per_step)
    reporter.event(
        "warning",
        f"Out of memory at step {step}: redoing it with {smaller.budget_tokens:,} tokens per "
        f"micro-batch" + (" and gradient checkpointing" if smaller.gradient_checkpointing else ""),
        {"step": step, "sizing": smaller.to_payload()},
    )
    return smaller


def cuda_rng_state(dev: torch.device) -> torch.Tensor | None:
    """The device generator's state (CUDA), to replay a redone step's dropout masks."""
    return torch.cuda.get_rng_state(dev) if dev.type == "cuda" else None


def set_rng_state(dev: torch.device, saved: tuple[torch.Tensor, torch.Tensor | None]) -> None:
    """Restore what cuda_rng_state and torch.random.get_rng_state saved."""
    torch.random.set_rng_state(saved[0])
    if saved[1] is not None:
        torch.cuda.set_rng_state(saved[1], dev)


def result(
    state: TrainState, data: PreparedData, loaded: LoadedModel, t_start: float, **kw: Any
) -> TrainingResult:
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


def synced_elapsed(dev: torch.device, since: float) -> float:
    """Seconds since ``since`` once queued GPU work is done. Only called where the loop syncs
    anyway (metric flush, checkpoint, stop), so tokens/s covers the work actually finished."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return time.perf_counter() - since


def stop_request(reporter: Reporter) -> str | None:
    """ "cancel" or "pause" when the reporter asks for it; anything else means keep going."""
    action = reporter.should_stop()
    return action if action in ("cancel", "pause") else None


def stopped_before_training(
    stopped: str,
    data: PreparedData,
    t_start: float,
    resume_from: Path | str | None,
    resume_sha256: str | None,
) -> TrainingResult:
    """Result for a stop request that arrived before the first step: nothing new to save, so
    the resume point stays the checkpoint this attempt started from (if any)."""
    step = 0
    if resume_from is not None:
        step = int(torch.load(resume_from, map_location="cpu", weights_only=True)["step"])
    return TrainingResult(
        stopped=stopped,
        step=step,
        total_steps=data.total_steps,
        epoch=round(step / data.steps_per_epoch, 4),
        checkpoint_path=Path(resume_from) if resume_from is not None else None,
        checkpoint_sha256=resume_sha256,
        duration_s=time.perf_counter() - t_start,
        counts=data.counts(),
    )
