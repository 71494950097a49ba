"""Variable-length ("varlen") causal attention for packed micro-batches.

A packed micro-batch is one row of several examples back to back. No attention may cross an
example boundary and none is computed on padding (there is none). Two ways to do that, behind one
transformers attention function (:func:`varlen_attention_forward`):

- CUDA: ONE kernel per layer for the whole row, from the cumulative segment offsets
  (``cu_seq_lens``): ``flash_attn.flash_attn_varlen_func`` when that package is installed, else
  PyTorch's own ``torch.nn.attention.varlen.varlen_attn`` (PyTorch >= 2.10). That function's
  signature changed between releases (``is_causal=`` in 2.10, ``window_size=(-1, 0)`` later;
  ``scale=`` and ``enable_gqa=`` only later), so :func:`torch_varlen_call` adapts to what the
  installed version offers: it repeats K/V heads itself when there is no ``enable_gqa`` and folds
  a non-default scale into the queries when there is no ``scale``.
- CPU (or no varlen kernel): one causal SDPA call per segment on its slice of q/k/v. The segment
  edges are plain Python ints from the collator, so slicing never synchronizes with a device.

Both equal a dense block-diagonal causal mask over the row (tests/worker/training/
test_attention.py on CPU, test_cuda.py for the kernels).
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import os
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import torch
import torch.nn.functional as F

VARLEN_ATTENTION = "lora_pipeline_varlen"

_registered = False


# ---- the CUDA kernels -----------------------------------------------------------------------


@functools.cache
def torch_varlen() -> tuple[Callable[..., Any], frozenset[str]] | None:
    """PyTorch's varlen_attn and the names of its parameters, or None when absent."""
    try:
        from torch.nn.attention.varlen import varlen_attn
    except ImportError:
        return None
    return varlen_attn, frozenset(inspect.signature(varlen_attn).parameters)


def torch_varlen_call(
    fn: Callable[..., Any],
    params: frozenset[str],
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu: torch.Tensor,
    max_len: int,
    scale: float | None,
) -> torch.Tensor:
    """Causal varlen attention through ``fn`` whatever its release's signature.

    q: (T, Hq, D); k, v: (T, Hkv, D) with Hq a multiple of Hkv; cu: int32 (segments + 1).
    """
    kw: dict[str, Any] = {}
    hq, hkv, d = q.shape[1], k.shape[1], q.shape[2]
    if hq != hkv:
        if "enable_gqa" in params:
            kw["enable_gqa"] = True
        else:
            k = k.repeat_interleave(hq // hkv, dim=1)
            v = v.repeat_interleave(hq // hkv, dim=1)
    if scale is not None:
        if "scale" in params:
            kw["scale"] = scale
        elif abs(scale * d**0.5 - 1.0) > 1e-6:  # default softmax scale is 1/sqrt(d)
            q = q * (scale * d**0.5)
    if "is_causal" in params:
        kw["is_causal"] = True
    elif "window_size" in params:
        kw["window_size"] = (-1, 0)  # (left, right): everything before, nothing after = causal
    else:
        raise RuntimeError("torch varlen_attn offers no causal option")
    out = fn(q, k, v, cu, cu, max_len, max_len, **kw)
    return out[0] if isinstance(out, tuple) else out


@functools.cache
def cuda_kernel() -> str | None:
    """Which single-kernel varlen attention this host has: "flash_attn", "torch", or None.

    LORA_PIPELINE_VARLEN=segments forces the per-segment SDPA path (for comparisons)."""
    choice = os.environ.get("LORA_PIPELINE_VARLEN", "auto")
    if choice == "segments":
        return None
    if choice in ("auto", "flash_attn") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attn"
    if choice in ("auto", "torch") and torch_varlen() is not None:
        return "torch"
    return None


def varlen_kernel(
    kernel: str,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    cu: torch.Tensor,
    max_len: int,
    scale: float | None,
) -> torch.Tensor:
    """One causal varlen attention launch over a packed row; (T, H, D) in and out."""
    if kernel == "flash_attn":
        from flash_attn import flash_attn_varlen_func  # GQA native

        out: torch.Tensor = flash_attn_varlen_func(
            q, k, v, cu, cu, max_len, max_len, softmax_scale=scale, causal=True
        )
        return out
    found = torch_varlen()
    assert found is not None
    return torch_varlen_call(found[0], found[1], q, k, v, cu, max_len, scale)


# ---- the CPU path and the transformers hook ---------------------------------------------------


def segment_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    bounds: list[int],
    scale: float | None,
    dropout: float = 0.0,
) -> torch.Tensor:
    """Causal SDPA per segment; q/k/v (1, heads, len, dim) -> (1, heads, len, dim)."""
    groups = query.shape[1] // key.shape[1]
    if groups > 1:
        # repeat_kv once for the whole row: cheaper than SDPA's GQA path per segment on CPU
        key = key.repeat_interleave(groups, dim=1)
        value = value.repeat_interleave(groups, dim=1)
    outs = [
        F.scaled_dot_product_attention(
            query[:, :, s:e],
            key[:, :, s:e],
            value[:, :, s:e],
            dropout_p=dropout,
            is_causal=True,
            scale=scale,
        )
        for s, e in pairwise(bounds)
        if e > s
    ]
    return outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)


def varlen_attention_forward(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers attention-interface function: q/k/v are (batch, heads, len, dim); returns
    (batch, len, heads, dim).

    ``packed_bounds`` (kwarg): [0, end_1, ..., total] segment edges of a batch-of-one row;
    ``packed_cu`` / ``packed_max``: the same edges as an int32 device tensor and the longest
    segment, for the one-kernel CUDA path. Without bounds (e.g. generation) this is ordinary
    causal/masked SDPA.
    """
    bounds: list[int] | None = kwargs.get("packed_bounds")
    cu: torch.Tensor | None = kwargs.get("packed_cu")
    p = dropout if module.training else 0.0
    if bounds is None and cu is None:
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(  # type: ignore[no-any-return]
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    if query.shape[0] != 1:
        raise ValueError("varlen attention expects a batch of one packed row")
    kernel = cuda_kernel() if query.is_cuda else None
    if kernel and cu is not None and p == 0.0 and query.dtype in (torch.bfloat16, torch.float16):
        # (1, H, T, D) -> (T, H, D); the kernels want the head dim contiguous
        q, k, v = (t[0].transpose(0, 1).contiguous() for t in (query, key, value))
        out = varlen_kernel(kernel, q, k, v, cu, int(kwargs["packed_max"]), scaling)
        return out.unsqueeze(0), None
    if bounds is None:
        raise ValueError("no segment edges for the per-segment attention path")
    out = segment_attention(query, key, value, bounds, scaling, p)
    return out.transpose(1, 2).contiguous(), None


def _no_mask(*args: Any, **kwargs: Any) -> None:
    # Segments are handled by the attention function itself; building a dense mask would
    # waste row_len^2 memory per forward.
    return None


def register() -> str:
    """Register the varlen implementation with transformers (idempotent); return its name."""
    global _registered
    if not _registered:
        from transformers import AttentionInterface
        from transformers.masking_utils import AttentionMaskInterface

        AttentionInterface.register(VARLEN_ATTENTION, varlen_attention_forward)
        AttentionMaskInterface.register(VARLEN_ATTENTION, _no_mask)
        _registered = True
    return VARLEN_ATTENTION


def use_packed_attention(model: Any, device: torch.device) -> str:
    """Switch a loaded model to packed attention; return the kernel it will use on ``device``
    ("flash_attn", "torch" or "segments")."""
    model.set_attn_implementation(register())
    return (cuda_kernel() if device.type == "cuda" else None) or "segments"


def attention_kwargs(
    bounds: list[int], cu: torch.Tensor | None = None, *, static: bool = False
) -> dict[str, Any]:
    """Extra forward kwargs describing the packed segments: the Python edges, plus the device
    copy ``cu`` (int32) for the CUDA kernels when given.

    ``static`` (compiled layers): leave the Python edges out and give the row width as the
    longest segment -- a list or an exact maximum would be guarded on by torch.compile and
    recompile at every new row, while the width only takes the few bucket values.
    """
    if cu is None:
        return {"packed_bounds": bounds}
    if static:
        return {"packed_cu": cu, "packed_max": bounds[-1]}
    return {
        "packed_bounds": bounds,
        "packed_cu": cu,
        "packed_max": max(e - s for s, e in pairwise(bounds)),
    }
