"""Adapter precision: LoRA weights computed in the autocast dtype, fp32 master copies for AdamW.

Why: with fp32 LoRA weights under bf16 autocast, every forward casts every adapter weight to bf16
(and PEFT casts each LoRA layer's bf16 input up to fp32 and autocast back down), and every
backward casts each adapter grad back to fp32 -- on an H200 that was 5,778 ``aten::_to_copy``
in 3 steps of a launch-bound loop. In the mixed mode the trainable parameters live in the model
in bf16, so autocast finds them already in its dtype and casts nothing, while the optimizer keeps
fp32 masters so that small updates are not lost to bf16 rounding and what a user downloads is
full precision.

Settings (worker-host environment, like LORA_PIPELINE_COMPILE):

- ``LORA_PIPELINE_ADAPTER_PRECISION``: ``auto`` (default: ``mixed`` on CUDA, ``fp32`` on CPU),
  ``mixed`` (bf16 adapters + fp32 masters; on CPU this turns bf16 autocast on, which the mode
  needs) or ``fp32`` (fp32 adapters, autocast casts them each forward: the path before this).
- ``LORA_PIPELINE_AUTOCAST``: ``auto`` (default: bf16 on CUDA; on CPU only with mixed adapters)
  or ``bf16`` (bf16 autocast on CPU too -- the fp32-adapter reference of the mixed mode's tests).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import torch

PRECISION_ENV = "LORA_PIPELINE_ADAPTER_PRECISION"
AUTOCAST_ENV = "LORA_PIPELINE_AUTOCAST"
MIXED, FP32 = "mixed", "fp32"


def adapter_precision(device: torch.device) -> str:
    """``"mixed"`` or ``"fp32"`` for trainable parameters on ``device`` (see module doc)."""
    setting = os.environ.get(PRECISION_ENV, "auto") or "auto"
    if setting == "auto":
        return MIXED if device.type == "cuda" else FP32
    if setting not in (MIXED, FP32):
        raise ValueError(f"{PRECISION_ENV} must be auto, mixed or fp32, not {setting!r}")
    return setting


def autocast_dtype(device: torch.device) -> torch.dtype | None:
    """The autocast dtype of forward passes on ``device``; None: no autocast (CPU, fp32).

    CUDA always runs bf16 autocast (its frozen base weights are bf16). CPU stays fp32 -- faster
    there and exact -- unless bf16 is asked for, or the adapters are bf16 (mixed), whose matmuls
    with fp32 base weights need autocast to agree on a dtype."""
    if device.type == "cuda":
        return torch.bfloat16
    setting = os.environ.get(AUTOCAST_ENV, "auto") or "auto"
    if setting not in ("auto", "bf16"):
        raise ValueError(f"{AUTOCAST_ENV} must be auto or bf16, not {setting!r}")
    if setting == "bf16" or adapter_precision(device) == MIXED:
        return torch.bfloat16
    return None


class AdapterOptimizer:
    """AdamW over the trainable parameters, with fp32 masters when the model's copies are bf16.

    Mixed mode, one optimizer step:

    1. Each micro-batch's backward leaves bf16 grads on the model's params. ``fold_grads`` (called
       right after that backward) moves them into the fp32 master grads -- the first micro-batch
       of a step with one foreach copy (bf16 -> fp32, a multi-tensor kernel on CUDA), later ones
       with a foreach copy into an fp32 scratch list plus one foreach add -- and drops the model
       grads, so the next backward hands autograd no bf16 buffer to accumulate into.
       Why not a hook: a post-accumulate-grad hook per parameter would run one cast-and-add per
       parameter per micro-batch (hundreds of launches); one foreach after the backward is a
       handful, and the accumulation across micro-batches stays fp32, as it was with fp32
       adapters. Each micro-batch's grad is what the fp32 path computed too (under autocast
       that path also got the weight grad in bf16 and cast it up), and no loss scaling is
       needed: bf16 has fp32's exponent range.
    2. ``step``: grad-norm clipping on the fp32 master grads (foreach on CUDA), AdamW on the
       masters (fused on CUDA), then ONE foreach copy of the masters into the bf16 params
       (round to nearest even, what autocast's cast of an fp32 weight gave).

    fp32 mode: the masters ARE the model's params; ``fold_grads`` and the copy-back do nothing,
    and the same ``step`` runs -- so the loop has one code path for both.

    Checkpoints, the final adapter and the early stop read and write the masters (the full
    precision weights) through ``full_precision`` / ``masters``.
    """

    def __init__(
        self,
        params: list[torch.nn.Parameter],
        *,
        lr: float,
        weight_decay: float,
        device: torch.device,
        mixed: bool,
        dtype: torch.dtype = torch.bfloat16,
    ) -> None:
        self.params = params
        self.mixed = mixed
        self.device = device
        self._multi_tensor = device.type == "cuda"  # foreach/fused kernels where they pay off
        if mixed:
            # masters first, from the fp32 init: the model's copies are those rounded to bf16
            self.masters = [torch.nn.Parameter(p.detach().float().clone()) for p in params]
            for p in params:
                p.data = p.data.to(dtype)
        else:
            self.masters = params
        # the masters' grad buffers, which every step's first fold overwrites (mixed mode)
        self._master_grads: list[torch.Tensor] = []
        if mixed:
            self._master_grads = [torch.zeros_like(m) for m in self.masters]
            for m, g in zip(self.masters, self._master_grads, strict=True):
                m.grad = g
        self._master_data: list[torch.Tensor] = [m.data for m in self.masters]
        self._folded = 0  # micro-batches folded into the master grads this step
        self._scratch: list[torch.Tensor] | None = None
        self.inner = torch.optim.AdamW(
            self.masters,
            lr=lr,
            weight_decay=weight_decay,
            betas=(0.9, 0.999),
            fused=self._multi_tensor,
        )

    @classmethod
    def for_model(
        cls, model: torch.nn.Module, *, lr: float, weight_decay: float, device: torch.device
    ) -> AdapterOptimizer:
        """The optimizer of ``model``'s trainable parameters in this host's precision mode."""
        params = [p for p in model.parameters() if p.requires_grad]
        mixed = adapter_precision(device) == MIXED
        return cls(params, lr=lr, weight_decay=weight_decay, device=device, mixed=mixed)

    @property
    def mode(self) -> str:
        """``"mixed"`` or ``"fp32"``."""
        return MIXED if self.mixed else FP32

    def describe(self) -> str:
        """One line for the event log and the bench."""
        if self.mixed:
            dtype = str(self.params[0].dtype).removeprefix("torch.") if self.params else "bf16"
            return f"Adapter precision: {dtype} in the model, fp32 masters in the optimizer"
        if autocast_dtype(self.device) is not None:
            return "Adapter precision: fp32 (autocast casts the adapters each forward)"
        return "Adapter precision: fp32 (no autocast)"

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """AdamW's groups (the loop sets each step's learning rate here)."""
        return self.inner.param_groups

    def fold_grads(self) -> None:
        """After a micro-batch's backward: add its bf16 grads into the fp32 master grads."""
        if not self.mixed:
            return  # fp32 params: autocast's cast backward already accumulated fp32 grads
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        master_grads = self._master_grads
        with torch.no_grad():
            if self._folded == 0:
                torch._foreach_copy_(master_grads, grads)
            else:
                # fp32 + bf16 in one foreach add would fall back to one kernel per tensor
                if self._scratch is None:
                    self._scratch = [torch.empty_like(m) for m in self.masters]
                torch._foreach_copy_(self._scratch, grads)
                torch._foreach_add_(master_grads, self._scratch)  # type: ignore[arg-type]
        self._folded += 1
        for p in self.params:
            p.grad = None

    def step(self, max_grad_norm: float) -> torch.Tensor:
        """Clip (norm of the fp32 grads), AdamW on the masters, copy back, zero grads; returns
        the grad norm before clipping as a device tensor (no sync)."""
        if self.mixed and self._folded == 0:
            raise RuntimeError("AdapterOptimizer.step without fold_grads after the backward")
        grad_norm = torch.nn.utils.clip_grad_norm_(
            self.masters, max_grad_norm, foreach=self._multi_tensor
        )
        self.inner.step()
        self.push_to_model()
        self.zero_grad()
        return grad_norm

    def zero_grad(self) -> None:
        """Forget this step's grads (also after an out-of-memory error mid-step)."""
        if self.mixed:
            for p in self.params:
                p.grad = None
            self._folded = 0  # the next fold overwrites the master grads: no zeroing kernel
        else:
            self.inner.zero_grad(set_to_none=True)

    def push_to_model(self) -> None:
        """Copy the fp32 masters into the model's bf16 params (one foreach copy)."""
        if self.mixed:
            with torch.no_grad():
                torch._foreach_copy_([p.data for p in self.params], self._master_data)

    @contextlib.contextmanager
    def full_precision(self) -> Iterator[None]:
        """Inside, the model's trainable params ARE the fp32 masters (same storage): a state dict
        read there is full precision and a load there writes the masters. On exit the model
        gets its bf16 params back, refreshed from the masters."""
        if not self.mixed:
            yield
            return
        low = [p.data for p in self.params]
        for p, m in zip(self.params, self.masters, strict=True):
            p.data = m.data
        try:
            yield
        finally:
            for p, data in zip(self.params, low, strict=True):
                p.data = data
            self.push_to_model()

    def state_dict(self) -> dict[str, Any]:
        """AdamW's state over the masters: the same layout in both modes, so a checkpoint
        resumes in either."""
        return self.inner.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Inverse of state_dict."""
        self.inner.load_state_dict(state)
