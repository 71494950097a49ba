"""Variable-length ("varlen") causal attention for packed micro-batches.

A packed micro-batch is one row of several examples back to back. Instead of one big
block-diagonal mask (whose cost grows with row_len^2 whatever the example lengths are), each
example gets its own causal SDPA call on its slice of q/k/v: no attention is computed across
example boundaries and none on padding -- there is no padding. The segment boundaries are
plain Python ints computed on the CPU by the collator, so slicing never synchronizes with a GPU.

On a GPU with the ``flash_attn`` package, transformers' ``flash_attention_2`` does the same in
one kernel from ``cu_seq_lens``; :func:`attention_kwargs` feeds either implementation.
"""

from __future__ import annotations

import importlib.util
from itertools import pairwise
from typing import Any

import torch
import torch.nn.functional as F

VARLEN_ATTENTION = "lora_pipeline_varlen"
FLASH_ATTENTION = "flash_attention_2"

_registered = False


def varlen_sdpa_forward(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """transformers attention-interface function: q/k/v are (batch, heads, len, dim).

    ``packed_bounds`` (kwarg): [0, end_1, ..., total] segment edges along the sequence axis of a
    batch-of-one. Without it (e.g. generation) this is ordinary causal/masked SDPA.
    """
    groups = getattr(module, "num_key_value_groups", 1)
    bounds: list[int] | None = kwargs.get("packed_bounds")
    p = dropout if module.training else 0.0
    if bounds is None:
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(  # type: ignore[no-any-return]
            module, query, key, value, attention_mask, dropout=dropout, scaling=scaling, **kwargs
        )
    if query.shape[0] != 1:
        raise ValueError("varlen attention expects a batch of one packed row")
    if groups > 1:
        # repeat_kv once for the whole row: cheaper than SDPA's GQA path per segment on CPU
        key = key.repeat_interleave(groups, dim=1)
        value = value.repeat_interleave(groups, dim=1)
    outs = [
        F.scaled_dot_product_attention(
            query[:, :, s:e],
            key[:, :, s:e],
            value[:, :, s:e],
            dropout_p=p,
            is_causal=True,
            scale=scaling,
        )
        for s, e in pairwise(bounds)
        if e > s
    ]
    out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)
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

        AttentionInterface.register(VARLEN_ATTENTION, varlen_sdpa_forward)
        AttentionMaskInterface.register(VARLEN_ATTENTION, _no_mask)
        _registered = True
    return VARLEN_ATTENTION


def pick_implementation(device: torch.device) -> str:
    """flash_attention_2 on CUDA when flash_attn is installed, else our varlen SDPA."""
    if device.type == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        return FLASH_ATTENTION
    return register()


def use_packed_attention(model: Any, device: torch.device) -> str:
    """Switch a loaded model to packed attention; return the implementation name."""
    impl = pick_implementation(device)
    model.set_attn_implementation(impl)
    return impl


def attention_kwargs(impl: str, bounds: list[int], device: torch.device) -> dict[str, Any]:
    """Extra forward kwargs describing the packed segments for ``impl``."""
    if impl == FLASH_ATTENTION:
        cu = torch.tensor(bounds, dtype=torch.int32).to(device, non_blocking=True)
        longest = max(e - s for s, e in pairwise(bounds))
        return {
            "cu_seq_lens_q": cu,
            "cu_seq_lens_k": cu,
            "max_length_q": longest,
            "max_length_k": longest,
        }
    return {"packed_bounds": bounds}
