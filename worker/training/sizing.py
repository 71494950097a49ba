"""Micro-batch sizing: how many tokens one forward/backward pass may hold on this device.

An optimizer step always covers what the user asked for (its rows: batch_size x grad_accum_steps
rows of packed examples; the loss is summed over the step and divided by its trainable tokens).
The token *budget* only decides how the step's examples are cut into micro-batches
(packing.split_step), so it can follow the device without changing what is trained:

- CUDA: at model load a pre-flight probe runs forward+backward on a worst-case micro-batch (the
  longest examples, every token labelled), measures the peak memory per token and takes the
  largest budget that fits under ~85% of the free memory (``budget_from_probe``). If even one
  longest example does not fit, gradient checkpointing is switched on and the probe runs again;
  if it still does not fit, the job fails with ``out_of_memory``.
- CPU: the budget comes from the config (``micro_batch_tokens``, default one packed row).

During training an out-of-memory error halves the budget and redoes the same step
(``Sizing.shrink``); below one longest example, checkpointing switches on; after that the job
fails. The decision is reported as an event (``sizing`` payload) that the API stores on the job.
"""

from __future__ import annotations

import gc
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch

from .packing import PackedSet, collate_examples, split_step

MEMORY_FRACTION = 0.85
# Probe at most this many tokens: enough to make the per-token slope dominate fixed buffers
# (the loss chunk, cuBLAS workspaces), small enough to take well under a second on a GPU.
PROBE_TOKENS = 16_384
MAX_BUDGET = 131_072


class DoesNotFit(Exception):
    """Not even one longest example fits in memory, with gradient checkpointing on."""


@dataclass(frozen=True)
class Sizing:
    """The micro-batch decision for a job. ``None`` fields were not measured (CPU)."""

    device: str  # "cpu" or the GPU's name
    budget_tokens: int
    min_tokens: int  # the longest example: no micro-batch can be smaller
    micro_batches_per_step: float
    gradient_checkpointing: bool = False
    free_memory_mb: float | None = None
    measured_peak_mb: float | None = None
    measured_tokens_per_s: float | None = None
    probe_tokens: int | None = None
    source: str = "config"  # "config" | "probe" | "oom"

    def to_payload(self) -> dict[str, Any]:
        """JSON-friendly dict (event payload, job detail)."""
        out = asdict(self)
        for k in ("free_memory_mb", "measured_peak_mb", "measured_tokens_per_s"):
            if out[k] is not None:
                out[k] = round(out[k], 1)
        out["micro_batches_per_step"] = round(self.micro_batches_per_step, 2)
        return out

    def describe(self) -> str:
        """One line for the event log."""
        where = self.device
        line = (
            f"Micro-batches: {self.budget_tokens:,} tokens each on {where}, "
            f"{self.micro_batches_per_step:.2g} per optimizer step"
        )
        if self.measured_peak_mb is not None:
            line += (
                f" (probe: {self.measured_peak_mb:,.0f} MiB peak for {self.probe_tokens:,} "
                f"tokens, {self.measured_tokens_per_s or 0:,.0f} tokens/s)"
            )
        if self.gradient_checkpointing:
            line += "; gradient checkpointing on"
        return line

    def shrink(self) -> Sizing | None:
        """The next budget after an out-of-memory error: half the budget (not below one longest
        example), then gradient checkpointing at the smallest budget; None when nothing is left."""
        if self.budget_tokens > self.min_tokens:
            return replace(self, budget_tokens=max(self.min_tokens, self.budget_tokens // 2))
        if not self.gradient_checkpointing:
            return replace(self, gradient_checkpointing=True)
        return None


def budget_from_probe(
    *, free_bytes: float, fixed_bytes: float, bytes_per_token: float, lo: int, hi: int
) -> int:
    """Largest token budget whose activations fit under MEMORY_FRACTION of the free memory,
    after ``fixed_bytes`` (optimizer state, loss buffers) is set aside; clamped to [lo, hi]."""
    room = MEMORY_FRACTION * free_bytes - fixed_bytes
    tokens = int(room // max(1.0, bytes_per_token))
    return max(lo, min(hi, tokens))


def micro_batches_per_step(packed: PackedSet, step_rows: list[list[int]], budget: int) -> float:
    """Mean number of micro-batches per optimizer step at ``budget``."""
    if not step_rows:
        return 0.0
    return sum(len(split_step(packed, rows, budget)) for rows in step_rows) / len(step_rows)


def free_device_memory(device: torch.device) -> None:
    """Give cached blocks back after an out-of-memory error (the failed step's tensors are
    unreachable once its frame is gone)."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def set_checkpointing(model: Any, on: bool) -> None:
    """Switch activation (gradient) checkpointing of the decoder layers on or off."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    # transformers 5.2x renamed it activation_checkpointing_*; the GPU image has an older 5.x
    enable = getattr(base, "activation_checkpointing_enable", None)
    disable = getattr(base, "activation_checkpointing_disable", None)
    if on and enable is not None:
        enable(activation_checkpointing_kwargs={"use_reentrant": False})
    elif on:
        base.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    else:
        (disable or base.gradient_checkpointing_disable)()
    model.train()


def worst_case_examples(packed: PackedSet, tokens: int) -> list[int]:
    """The longest example repeated up to ``tokens`` tokens (at least once): the longest
    attention segments and every position labelled, the most memory a token can cost."""
    longest = max(range(len(packed.examples)), key=lambda i: len(packed.examples[i].input_ids))
    n = len(packed.examples[longest].input_ids)
    return [longest] * max(1, tokens // n)


def probe_cuda(
    *,
    step_fn: Any,
    packed: PackedSet,
    pad_id: int,
    device: torch.device,
    trainable_bytes: int,
    min_tokens: int,
    max_tokens: int,
    model: Any,
    step_rows: list[list[int]],
) -> Sizing:
    """Measure peak memory per token on a worst-case micro-batch and pick the budget.

    ``step_fn(mb)`` runs forward+backward of one micro-batch (gradients are dropped afterwards;
    the RNG is forked, so the probe leaves the training run exactly as it found it).
    """
    checkpointing = False
    tokens = max(min_tokens, min(PROBE_TOKENS, max_tokens))
    params = [p for p in model.parameters() if p.requires_grad]
    while True:
        free_device_memory(device)
        free, _total = torch.cuda.mem_get_info(device)
        base = torch.cuda.memory_allocated(device)
        mb = collate_examples(packed, worst_case_examples(packed, tokens), pad_id)
        try:
            with torch.random.fork_rng(devices=[device]):
                torch.cuda.reset_peak_memory_stats(device)
                step_fn(mb)
                torch.cuda.synchronize(device)
                peak = torch.cuda.max_memory_allocated(device) - base
                for p in params:
                    p.grad = None
                t0 = time.perf_counter()
                step_fn(mb)
                torch.cuda.synchronize(device)
                seconds = time.perf_counter() - t0
            break
        except torch.OutOfMemoryError:
            for p in params:
                p.grad = None
            if tokens > min_tokens:
                tokens = max(min_tokens, tokens // 2)
            elif not checkpointing:
                checkpointing = True
                set_checkpointing(model, True)
            else:
                raise DoesNotFit(
                    f"one example of {min_tokens} tokens does not fit in GPU memory, "
                    "even with gradient checkpointing"
                ) from None
        finally:
            for p in params:
                p.grad = None
    free_device_memory(device)
    n = mb.input_ids.numel()
    # AdamW keeps two fp32 moments per trainable parameter (allocated at the first step), and
    # the gradients of the trainable parameters live through the whole step.
    budget = budget_from_probe(
        free_bytes=free,
        fixed_bytes=3 * trainable_bytes,
        bytes_per_token=peak / n,
        lo=min_tokens,
        hi=min(MAX_BUDGET, max(min_tokens, max_tokens)),
    )
    return Sizing(
        device=torch.cuda.get_device_name(device),
        budget_tokens=budget,
        min_tokens=min_tokens,
        micro_batches_per_step=micro_batches_per_step(packed, step_rows, budget),
        gradient_checkpointing=checkpointing,
        free_memory_mb=free / 2**20,
        measured_peak_mb=peak / 2**20,
        measured_tokens_per_s=n / seconds,
        probe_tokens=n,
        source="probe",
    )


def sizing_from_config(
    *, budget: int, packed: PackedSet, min_tokens: int, step_rows: list[list[int]]
) -> Sizing:
    """CPU: the budget the config gives (never below one longest example)."""
    budget = max(budget, min_tokens)
    return Sizing(
        device="cpu",
        budget_tokens=budget,
        min_tokens=min_tokens,
        micro_batches_per_step=micro_batches_per_step(packed, step_rows, budget),
    )
