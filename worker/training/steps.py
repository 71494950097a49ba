"""Forward/loss and evaluation on packed micro-batches.

The loss is computed only at positions that carry a label: hidden states are gathered there
before the LM head, and the head's cross-entropy runs chunk by chunk (loss.py), so the
(tokens x vocab) logits are never built in full.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from .attention import attention_kwargs, use_packed_attention
from .loss import linear_cross_entropy
from .packing import MicroBatch
from .precision import autocast_dtype


@dataclass(frozen=True)
class ModelParts:
    """The decoder stack and LM head inside a (PEFT-wrapped) causal LM, plus device settings.

    ``attn_kernel``: "flash_attn" / "torch" (one varlen kernel per layer, CUDA) or "segments"."""

    decoder: Any
    head: Any
    device: torch.device
    autocast_dtype: torch.dtype | None
    attn_kernel: str

    @classmethod
    def of(cls, model: Any, device: torch.device) -> ModelParts:
        """Split a PeftModel (or plain causal LM) into decoder and head; switch the model to
        packed (varlen) attention."""
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        kernel = use_packed_attention(base, device)
        dtype = autocast_dtype(device)  # bf16 on CUDA; on CPU only when asked (precision.py)
        return cls(base.get_decoder(), base.get_output_embeddings(), device, dtype, kernel)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """bf16 autocast on GPU, nothing on CPU (fp32 there is both faster and exact) unless
        precision.autocast_dtype says otherwise (bf16 adapters, or a test's reference)."""
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)


class DeviceFeeder:
    """Moves micro-batches to the device with ONE host-to-device copy each.

    On CUDA the micro-batch's integer tensors (ids, positions, loss positions, labels, segment
    offsets) are packed into one of two pinned host buffers that live as long as the feeder: a
    copy from pageable memory would make CUDA wait for the stream to drain, and pinning fresh
    tensors every step costs a page-locking call per tensor. Two buffers alternate, and a buffer
    is rewritten only after the event recorded behind its previous copy has passed, so the CPU
    can prepare micro-batch n+1 while the copy of n is still queued. On CPU nothing moves.
    """

    def __init__(self, device: torch.device, *, static: bool = False) -> None:
        self.device = device
        self.static = static  # compiled layers: see attention.attention_kwargs
        self._cuda = device.type == "cuda"
        self._bufs: list[torch.Tensor] = [torch.empty(0, dtype=torch.int64)] * 2
        self._done: list[Any] = [None, None]
        self._turn = 0

    def __call__(self, mb: MicroBatch, kernel: str) -> dict[str, Any]:
        if not self._cuda:
            attn = attention_kwargs(mb.bounds) if mb.bounds else {}
            return {
                "input_ids": mb.input_ids,
                "position_ids": mb.position_ids,
                "target_index": mb.target_index,
                "target_ids": mb.target_ids,
                "attn": attn,
            }
        parts = [mb.input_ids.reshape(-1), mb.position_ids.reshape(-1), mb.target_index]
        parts += [mb.target_ids]
        with_cu = bool(mb.bounds) and kernel != "segments"
        if with_cu:
            parts.append(torch.tensor(mb.bounds, dtype=torch.int64))
        sizes = [t.numel() for t in parts]
        n = sum(sizes)
        i, self._turn = self._turn, self._turn ^ 1
        if self._done[i] is not None:
            self._done[i].synchronize()  # its previous copy has left the buffer
        if self._bufs[i].numel() < n:
            self._bufs[i] = torch.empty(max(n, 2 * self._bufs[i].numel()), dtype=torch.int64)
            self._bufs[i] = self._bufs[i].pin_memory()
        host = self._bufs[i][:n]
        torch.cat(parts, out=host)
        flat = host.to(self.device, non_blocking=True)
        done = torch.cuda.Event()
        done.record()
        self._done[i] = done
        ids, pos, tidx, tids, *rest = torch.split(flat, sizes)
        shape = mb.input_ids.shape
        cu = rest[0].int() if with_cu else None
        attn = attention_kwargs(mb.bounds, cu, static=self.static) if mb.bounds else {}
        return {
            "input_ids": ids.view(shape),
            "position_ids": pos.view(shape),
            "target_index": tidx,
            "target_ids": tids,
            "attn": attn,
        }


def loss_sum(parts: ModelParts, batch: dict[str, Any]) -> torch.Tensor:
    """Sum of token cross-entropies over the labelled positions (a 0-dim fp32 tensor).

    ``attention_mask`` stays None: segments come from ``batch["attn"]`` (segment edges, and
    their device copy for the one-kernel CUDA path) and positions restart per example via
    ``position_ids``.
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


def evaluate(
    model: Any, parts: ModelParts, batches: list[MicroBatch], feeder: DeviceFeeder | None = None
) -> float | None:
    """Mean token loss over validation micro-batches; one device sync at the end."""
    if not batches:
        return None
    feed = feeder or DeviceFeeder(parts.device)
    was_training = model.training
    model.eval()
    total = torch.zeros((), device=parts.device, dtype=torch.float64)
    count = 0
    with torch.no_grad():
        for mb in batches:
            total += loss_sum(parts, feed(mb, parts.attn_kernel)).double()
            count += mb.n_trainable
    if was_training:
        model.train()
    return float(total.item()) / max(1, count)


def compile_layers(parts: ModelParts) -> int:
    """Compile each decoder layer when LORA_PIPELINE_COMPILE=1 on CUDA; return the bucket
    length micro-batches are padded to (0: no padding, nothing compiled).

    Off by default: whether compiled layers win over eager with the one-kernel attention has not
    been measured on a GPU yet (bench/gpu_check.sh measures it). Rows padded to multiples of
    LORA_PIPELINE_BUCKET tokens (default 2,048) keep the shapes to a few, so the compiled
    graphs (CUDA graphs with LORA_PIPELINE_COMPILE_MODE=reduce-overhead) are reused.
    """
    if parts.device.type != "cuda" or os.environ.get("LORA_PIPELINE_COMPILE", "0") != "1":
        return 0
    mode = os.environ.get("LORA_PIPELINE_COMPILE_MODE", "default")
    for layer in parts.decoder.layers:
        layer.compile(mode=mode, dynamic=False)
    return int(os.environ.get("LORA_PIPELINE_BUCKET", "2048"))
