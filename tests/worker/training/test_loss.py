"""Chunked linear cross-entropy: the same loss and gradients as the full-logits computation."""

from __future__ import annotations

import pytest
import torch

from worker.training.loss import (
    ChunkedLinearCrossEntropy,
    chunk_rows_for,
    full_linear_cross_entropy,
    linear_cross_entropy,
)


def _case(n: int, hidden: int, vocab: int, dtype: torch.dtype, train_w: bool, seed: int = 0):  # type: ignore[no-untyped-def]
    g = torch.Generator().manual_seed(seed)
    h = (torch.randn(n, hidden, generator=g) * 2).to(dtype).requires_grad_(True)
    w = (torch.randn(vocab, hidden, generator=g) / hidden**0.5).to(dtype).requires_grad_(train_w)
    t = torch.randint(0, vocab, (n,), generator=g)
    return h, w, t


@pytest.mark.parametrize("train_w", [False, True])
@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_fp32_loss_and_grads_match_full_logits(train_w: bool, chunk: int) -> None:
    h, w, t = _case(203, 32, 517, torch.float32, train_w)
    ref = full_linear_cross_entropy(h, w, t)
    (ref * 0.37).backward()
    ref_gh = h.grad.clone()  # type: ignore[union-attr]
    ref_gw = w.grad.clone() if train_w else None  # type: ignore[union-attr]
    h.grad = None
    w.grad = None
    out = linear_cross_entropy(h, w, t, chunk=chunk)
    (out * 0.37).backward()
    assert out.dtype == torch.float32 and out.dim() == 0
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(h.grad, ref_gh, rtol=1e-4, atol=1e-6)
    if train_w:
        torch.testing.assert_close(w.grad, ref_gw, rtol=1e-4, atol=1e-6)
    else:
        assert w.grad is None


def test_bf16_within_bf16_tolerance() -> None:
    h, w, t = _case(300, 64, 1000, torch.bfloat16, train_w=False, seed=3)
    ref = full_linear_cross_entropy(h, w, t)
    ref.backward()
    ref_gh = h.grad.clone()  # type: ignore[union-attr]
    h.grad = None
    out = linear_cross_entropy(h, w, t, chunk=64)
    out.backward()
    assert h.grad is not None and h.grad.dtype == torch.bfloat16
    torch.testing.assert_close(out, ref, rtol=2e-3, atol=1e-2)
    torch.testing.assert_close(h.grad.float(), ref_gh.float(), rtol=2e-2, atol=2e-3)


def test_no_grad_forward_builds_no_gradient_buffers() -> None:
    h, w, t = _case(50, 16, 100, torch.float32, train_w=False)
    with torch.no_grad():
        out = linear_cross_entropy(h, w, t, chunk=8)
    torch.testing.assert_close(out, full_linear_cross_entropy(h.detach(), w, t))


def test_empty_targets_give_zero_and_a_connected_graph() -> None:
    h, w, _ = _case(4, 8, 10, torch.float32, train_w=False)
    out = linear_cross_entropy(h, w, torch.zeros(0, dtype=torch.long))
    out.backward()
    assert float(out.detach()) == 0.0 and h.grad is not None and float(h.grad.abs().sum()) == 0.0


def test_chunk_rows_bound_the_fp32_logits() -> None:
    assert chunk_rows_for(49152) * 49152 <= 2**25
    assert chunk_rows_for(128256) == 261
    assert chunk_rows_for(10) == 2**25 // 10
    assert issubclass(ChunkedLinearCrossEntropy, torch.autograd.Function)


def test_peak_memory_stays_below_full_logits() -> None:
    """The point of chunking: the transient memory is a chunk, not tokens x vocab."""
    h, w, t = _case(2048, 32, 4096, torch.float32, train_w=False)
    cpu = [torch.profiler.ProfilerActivity.CPU]
    with torch.profiler.profile(activities=cpu, profile_memory=True) as prof:
        linear_cross_entropy(h, w, t, chunk=128).backward()
    biggest = max((e.cpu_memory_usage for e in prof.events() if e.cpu_memory_usage > 0), default=0)
    full = 2048 * 4096 * 4
    assert 0 < biggest < full / 4
