"""Cross-entropy of an LM head without the full (tokens x vocab) logits.

A full-vocabulary head on a large micro-batch builds fp32 logits of tokens x vocab (at 65k tokens
and a 49k vocabulary that is 12 GiB, plus its gradient and softmax copies): the biggest tensor of
the whole step although it is only ever reduced to one number per token. ``linear_cross_entropy``
computes the summed loss chunk by chunk over the tokens instead: each chunk's logits are built,
reduced to (logsumexp, target logit) and turned into that chunk's gradient right away, then
freed. The gradients w.r.t. the hidden states (and the head weight when it trains) are computed
during the forward pass and only scaled in backward, so the logits are never recomputed.

On CUDA, ``liger-kernel`` (the optional ``gpu`` extra) provides a fused Triton version of the same
computation; it is used when installed unless LORA_PIPELINE_LIGER=0.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any

import torch
import torch.nn.functional as F

# fp32 logits per chunk are chunk_rows x vocab x 4 bytes: ~128 MiB keeps the head's transient
# memory flat whatever the micro-batch size, while each chunk is still a big matmul.
CHUNK_ELEMENTS = 2**25
MIN_CHUNK_ROWS = 64


def chunk_rows_for(vocab: int) -> int:
    """Rows per chunk so that one chunk's fp32 logits stay around CHUNK_ELEMENTS elements."""
    return max(MIN_CHUNK_ROWS, CHUNK_ELEMENTS // max(1, vocab))


class ChunkedLinearCrossEntropy(torch.autograd.Function):
    """sum_i CE(hidden_i @ weight.T, target_i), forward and backward chunk by chunk."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx: Any,
        hidden: torch.Tensor,
        weight: torch.Tensor,
        targets: torch.Tensor,
        chunk: int,
        compute_dtype: torch.dtype,
    ) -> torch.Tensor:
        want_h, want_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        total = torch.zeros((), device=hidden.device, dtype=torch.float32)
        grad_h = torch.empty_like(hidden) if want_h else None
        grad_w = torch.zeros_like(weight, dtype=torch.float32) if want_w else None
        w = weight.to(compute_dtype)
        # autocast off: the casts are explicit here, and the fp32 softmax must stay fp32
        with torch.autocast(hidden.device.type, enabled=False):
            for s in range(0, hidden.shape[0], chunk):
                h = hidden[s : s + chunk].to(compute_dtype)
                t = targets[s : s + chunk]
                logits = (h @ w.T).float()
                lse = torch.logsumexp(logits, dim=-1)
                total += (lse - logits.gather(1, t[:, None]).squeeze(1)).sum()
                if not (want_h or want_w):
                    continue
                # d(sum CE)/d(logits) = softmax - onehot, built in place over the chunk's logits
                grad = logits.sub_(lse[:, None]).exp_()
                grad[torch.arange(t.shape[0], device=t.device), t] -= 1.0
                g = grad.to(compute_dtype)
                if grad_h is not None:
                    grad_h[s : s + chunk] = (g @ w).to(hidden.dtype)
                if grad_w is not None:
                    grad_w += (g.T @ h).float()
        ctx.save_for_backward(
            grad_h if grad_h is not None else torch.empty(0),
            grad_w if grad_w is not None else torch.empty(0),
        )
        ctx.weight_dtype = weight.dtype
        return total

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[Any, ...]:  # type: ignore[override]
        grad_h, grad_w = ctx.saved_tensors
        gh = grad_h * grad_out.to(grad_h.dtype) if ctx.needs_input_grad[0] else None
        gw = (grad_w * grad_out).to(ctx.weight_dtype) if ctx.needs_input_grad[1] else None
        return gh, gw, None, None, None


def full_linear_cross_entropy(
    hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """The reference: full logits, fp32 cross-entropy, summed (what the loop did before)."""
    return F.cross_entropy((hidden @ weight.T).float(), targets, reduction="sum")


@functools.cache
def liger_available() -> bool:
    """liger-kernel importable and not switched off (LORA_PIPELINE_LIGER=0)."""
    if os.environ.get("LORA_PIPELINE_LIGER", "1") in ("0", "false"):
        return False
    return importlib.util.find_spec("liger_kernel") is not None


def liger_linear_cross_entropy(
    hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """liger-kernel's fused linear cross-entropy (CUDA, Triton), summed."""
    from liger_kernel.transformers.functional import liger_fused_linear_cross_entropy

    out = liger_fused_linear_cross_entropy(hidden, weight, targets, reduction="sum")
    return out[0] if isinstance(out, tuple) else out


def linear_cross_entropy(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    targets: torch.Tensor,
    *,
    compute_dtype: torch.dtype | None = None,
    chunk: int | None = None,
    use_liger: bool | None = None,
) -> torch.Tensor:
    """Summed token cross-entropy of ``hidden @ weight.T`` against ``targets`` (0-dim fp32).

    ``compute_dtype`` is the matmul dtype (default: the autocast dtype when autocast is on, else
    the hidden dtype); the softmax is always fp32. ``use_liger`` None: liger on CUDA if installed.
    """
    if targets.numel() == 0:
        return hidden.sum() * 0.0  # keeps the graph connected for an example-free chunk
    dev = hidden.device.type
    if use_liger is None:
        use_liger = dev == "cuda" and liger_available()
    if use_liger:
        return liger_linear_cross_entropy(hidden, weight, targets).float()
    if compute_dtype is None:
        compute_dtype = (
            torch.get_autocast_dtype(dev) if torch.is_autocast_enabled(dev) else hidden.dtype
        )
    rows = chunk or chunk_rows_for(weight.shape[0])
    out: torch.Tensor = ChunkedLinearCrossEntropy.apply(
        hidden, weight, targets, rows, compute_dtype
    )
    return out
