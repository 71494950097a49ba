"""Packed attention equals a dense block-diagonal causal reference (CPU), and the adapter to
torch's varlen_attn builds the right call for each release's signature."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from worker.training.attention import (
    attention_kwargs,
    segment_attention,
    torch_varlen_call,
    varlen_attention_forward,
)


def block_diagonal_reference(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, bounds: list[int], scale: float | None
) -> torch.Tensor:
    """(1, Hq, T, D) attention with one dense mask: causal inside each segment, nothing across."""
    t = q.shape[2]
    seg = torch.zeros(t, dtype=torch.long)
    for n, (s, e) in enumerate(pairwise(bounds)):
        seg[s:e] = n
    pos = torch.arange(t)
    mask = (seg[:, None] == seg[None, :]) & (pos[None, :] <= pos[:, None])
    groups = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=scale)


def _qkv(hq: int, hkv: int, t: int, d: int, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [
        torch.randn(1, h, t, d, generator=g, dtype=torch.float64).requires_grad_(True)
        for h in (hq, hkv, hkv)
    ]


def _grads(out: torch.Tensor, tensors: list[torch.Tensor]) -> list[torch.Tensor]:
    w = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)
    return list(torch.autograd.grad((out * w).sum(), tensors))


@pytest.mark.parametrize(("hq", "hkv"), [(4, 4), (6, 2)])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_segment_path_matches_dense_block_diagonal(hq: int, hkv: int, scale: float | None) -> None:
    bounds = [0, 5, 6, 19, 31, 40]
    q, k, v = _qkv(hq, hkv, 40, 8)
    ref = block_diagonal_reference(q, k, v, bounds, scale)
    out = segment_attention(q, k, v, bounds, scale)
    torch.testing.assert_close(out, ref)
    for g, r in zip(_grads(out, [q, k, v]), _grads(ref, [q, k, v]), strict=True):
        torch.testing.assert_close(g, r)


def test_transformers_hook_uses_segments_on_cpu() -> None:
    bounds = [0, 7, 20]
    q, k, v = _qkv(4, 2, 20, 8, seed=1)
    module = torch.nn.Module()
    out, weights = varlen_attention_forward(
        module, q, k, v, None, scaling=0.25, **attention_kwargs(bounds, None)
    )
    assert weights is None and out.shape == (1, 20, 4, 8)  # (batch, len, heads, dim)
    ref = block_diagonal_reference(q, k, v, bounds, 0.25).transpose(1, 2)
    torch.testing.assert_close(out, ref)


def test_attention_kwargs_for_kernels_and_compiled_layers() -> None:
    cu = torch.tensor([0, 3, 10], dtype=torch.int32)
    assert attention_kwargs([0, 3, 10]) == {"packed_bounds": [0, 3, 10]}
    kw = attention_kwargs([0, 3, 10], cu)
    assert kw["packed_max"] == 7 and kw["packed_cu"] is cu and kw["packed_bounds"] == [0, 3, 10]
    static = attention_kwargs([0, 3, 10, 16], cu, static=True)
    assert set(static) == {"packed_cu", "packed_max"} and static["packed_max"] == 16


# ---- torch varlen_attn's signature across releases, emulated with the dense reference ------


def _dense_varlen(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, cu: torch.Tensor, **kw: Any
) -> torch.Tensor:
    """What varlen_attn computes, (T, H, D) layout; refuses GQA unless enable_gqa is passed."""
    if q.shape[1] != k.shape[1] and not kw.get("enable_gqa"):
        raise RuntimeError("head counts differ without enable_gqa")
    causal = kw.get("is_causal", False) or kw.get("window_size") == (-1, 0)
    assert causal, "the adapter must ask for causal attention"
    bounds = [int(x) for x in cu]
    out = block_diagonal_reference(
        q.transpose(0, 1)[None],
        k.transpose(0, 1)[None],
        v.transpose(0, 1)[None],
        bounds,
        kw.get("scale"),
    )
    return out[0].transpose(0, 1)


def release_210(
    query, key, value, cu_seq_q, cu_seq_k, max_q, max_k, is_causal=False, return_aux=None
):  # type: ignore[no-untyped-def]
    return _dense_varlen(query, key, value, cu_seq_q, is_causal=is_causal)


def release_new(
    query,
    key,
    value,
    cu_seq_q,
    cu_seq_k,
    max_q,
    max_k,
    *,
    return_aux=None,
    scale=None,
    window_size=(-1, -1),
    enable_gqa=False,
):  # type: ignore[no-untyped-def]
    return _dense_varlen(
        query, key, value, cu_seq_q, scale=scale, window_size=window_size, enable_gqa=enable_gqa
    )


@pytest.mark.parametrize("fn", [release_210, release_new])
@pytest.mark.parametrize("scale", [None, 0.2])
def test_varlen_adapter_handles_each_signature_with_gqa(fn: Any, scale: float | None) -> None:
    import inspect

    bounds = [0, 4, 13, 21]
    q, k, v = (t.detach()[0].transpose(0, 1) for t in _qkv(6, 2, 21, 8, seed=2))
    cu = torch.tensor(bounds, dtype=torch.int32)
    params = frozenset(inspect.signature(fn).parameters)
    out = torch_varlen_call(fn, params, q, k, v, cu, 9, scale)
    ref = block_diagonal_reference(
        q.transpose(0, 1)[None], k.transpose(0, 1)[None], v.transpose(0, 1)[None], bounds, scale
    )[0].transpose(0, 1)
    torch.testing.assert_close(out, ref)


def test_installed_torch_varlen_signature_is_understood() -> None:
    """Whatever this host's torch offers, the adapter knows how to ask it for causal GQA."""
    from worker.training.attention import torch_varlen

    found = torch_varlen()
    if found is None:
        pytest.skip("this torch has no torch.nn.attention.varlen")
    params = found[1]
    assert "is_causal" in params or "window_size" in params
