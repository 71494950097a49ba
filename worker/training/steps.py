"""Forward/loss and evaluation on packed micro-batches.

The loss is computed only at positions that carry a label: hidden states are gathered there
before the LM head, and the head's cross-entropy runs chunk by chunk (loss.py), so the
(tokens x vocab) logits are never built in full.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from .attention import attention_kwargs, use_packed_attention
from .loss import linear_cross_entropy
from .packing import MicroBatch


@dataclass(frozen=True)
class ModelParts:
    """The decoder stack and LM head inside a (PEFT-wrapped) causal LM, plus device settings."""

    decoder: Any
    head: Any
    device: torch.device
    autocast_dtype: torch.dtype | None
    attn_impl: str

    @classmethod
    def of(cls, model: Any, device: torch.device) -> ModelParts:
        """Split a PeftModel (or plain causal LM) into decoder and head; switch the model to
        packed (varlen) attention."""
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        impl = use_packed_attention(base, device)
        dtype = torch.bfloat16 if device.type == "cuda" else None
        return cls(base.get_decoder(), base.get_output_embeddings(), device, dtype, impl)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """bf16 autocast on GPU, nothing on CPU (fp32 there is both faster and exact)."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)


def to_device(mb: MicroBatch, parts: ModelParts) -> dict[str, Any]:
    """Copy a micro-batch to the device, with the attention kwargs for its segments."""
    device = parts.device
    # A copy from pageable host memory makes CUDA wait for the stream to drain first; pinned
    # memory lets the copy queue up behind the running step, so the CPU keeps running ahead.
    pin = device.type == "cuda"

    def move(t: torch.Tensor) -> torch.Tensor:
        return (t.pin_memory() if pin else t).to(device, non_blocking=True)

    return {
        "input_ids": move(mb.input_ids),
        "position_ids": move(mb.position_ids),
        "target_index": move(mb.target_index),
        "target_ids": move(mb.target_ids),
        "attn": attention_kwargs(parts.attn_impl, mb.bounds, device) if mb.bounds else {},
    }


def loss_sum(parts: ModelParts, batch: dict[str, Any]) -> torch.Tensor:
    """Sum of token cross-entropies over the labelled positions (a 0-dim fp32 tensor).

    ``attention_mask`` stays None: segments come from ``batch["attn"]`` (varlen bounds or
    flash-attention cu_seq_lens) and positions restart per example via ``position_ids``.
    """
    with parts.autocast():
        out = parts.decoder(
            input_ids=batch["input_ids"],
            position_ids=batch["position_ids"],
            use_cache=False,
            **batch["attn"],
        )
        hidden = out.last_hidden_state
        flat = hidden.reshape(-1, hidden.shape[-1]).index_select(0, batch["target_index"])
        if plain_head(parts.head):
            # chunked (or liger's fused) linear CE: no (tokens x vocab) fp32 logits
            return linear_cross_entropy(flat, parts.head.weight, batch["target_ids"])
        logits = parts.head(flat)
    return F.cross_entropy(logits.float(), batch["target_ids"], reduction="sum")


def plain_head(head: Any) -> bool:
    """A bias-free nn.Linear head (not a LoRA-wrapped one): its loss can skip full logits."""
    return type(head) is torch.nn.Linear and head.bias is None


def evaluate(model: Any, parts: ModelParts, batches: list[MicroBatch]) -> float | None:
    """Mean token loss over validation micro-batches; one device sync at the end."""
    if not batches:
        return None
    was_training = model.training
    model.eval()
    total = torch.zeros((), device=parts.device, dtype=torch.float64)
    count = 0
    with torch.no_grad():
        for mb in batches:
            total += loss_sum(parts, to_device(mb, parts)).double()
            count += mb.n_trainable
    if was_training:
        model.train()
    return float(total.item()) / max(1, count)


@contextlib.contextmanager
def oom_guard() -> Iterator[None]:
    """Translate CUDA/CPU out-of-memory errors into MemoryError for uniform handling."""
    try:
        yield
    except torch.OutOfMemoryError as exc:
        raise MemoryError(str(exc)) from exc
