"""CUDA-only checks of the GPU path (skipped without a GPU; bench/gpu_check.sh runs them).

One varlen kernel per layer against the dense block-diagonal reference (outputs and gradients,
GQA), the chunked and fused linear cross-entropy against full logits in bf16, the pinned
feeder, the pre-flight probe, a REAL out-of-memory error survived mid-training, the compile
switch, and the mixed adapter precision (the CUDA default) against fp32 adapters: no adapter
casts in a forward, fewer kernel launches per step (printed), the same loss.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest
import torch

from tests.worker.training.conftest import fast_config, write_chat_dataset
from tests.worker.training.test_attention import block_diagonal_reference
from worker.training import RecordingReporter, run_training
from worker.training.attention import cuda_kernel, torch_varlen, varlen_kernel
from worker.training.loss import full_linear_cross_entropy, liger_available, linear_cross_entropy

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
CUDA = torch.device("cuda")


def _kernels() -> list[str]:
    found = []
    if torch_varlen() is not None:
        found.append("torch")
    try:
        import flash_attn  # noqa: F401

        found.append("flash_attn")
    except ImportError:
        pass
    return found


def test_a_single_kernel_varlen_attention_is_available() -> None:
    """The GPU path must not silently fall back to the per-segment loop."""
    assert cuda_kernel() in ("torch", "flash_attn"), "no varlen kernel: per-segment SDPA on GPU"


@pytest.mark.parametrize("kernel", _kernels())
@pytest.mark.parametrize(("hq", "hkv"), [(9, 3), (8, 8)])
def test_varlen_kernel_matches_block_diagonal_reference(kernel: str, hq: int, hkv: int) -> None:
    bounds = [0, 1, 130, 131, 600, 1024, 1500]
    g = torch.Generator(device="cuda").manual_seed(0)
    t, d = bounds[-1], 64
    q = torch.randn(t, hq, d, device=CUDA, generator=g, dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn(t, hkv, d, device=CUDA, generator=g, dtype=torch.bfloat16, requires_grad=True)
    v = torch.randn(t, hkv, d, device=CUDA, generator=g, dtype=torch.bfloat16, requires_grad=True)
    cu = torch.tensor(bounds, dtype=torch.int32, device=CUDA)
    longest = max(e - s for s, e in itertools.pairwise(bounds))
    out = varlen_kernel(kernel, q, k, v, cu, longest, d**-0.5)
    # reference in fp32 on the same inputs
    q32, k32, v32 = (x.detach().float().requires_grad_(True) for x in (q, k, v))
    ref = block_diagonal_reference(
        q32.transpose(0, 1)[None],
        k32.transpose(0, 1)[None],
        v32.transpose(0, 1)[None],
        bounds,
        None,
    )[0].transpose(0, 1)
    torch.testing.assert_close(out.float(), ref, atol=2e-2, rtol=2e-2)
    w = torch.randn(out.shape, device=CUDA, generator=g)
    (out.float() * w).sum().backward()
    (ref * w).sum().backward()
    for got, want in ((q.grad, q32.grad), (k.grad, k32.grad), (v.grad, v32.grad)):
        assert got is not None and want is not None
        torch.testing.assert_close(got.float(), want, atol=5e-2, rtol=5e-2)


@pytest.mark.parametrize("use_liger", [False, True])
def test_linear_cross_entropy_bf16_on_cuda(use_liger: bool) -> None:
    if use_liger and not liger_available():
        pytest.skip("liger-kernel not installed")
    g = torch.Generator(device="cuda").manual_seed(1)
    h = torch.randn(4096, 576, device=CUDA, generator=g, dtype=torch.bfloat16, requires_grad=True)
    w = torch.randn(49152, 576, device=CUDA, generator=g, dtype=torch.bfloat16) / 24
    t = torch.randint(0, 49152, (4096,), device=CUDA, generator=g)
    ref = full_linear_cross_entropy(h, w, t)
    ref.backward()
    ref_grad = h.grad.clone()  # type: ignore[union-attr]
    h.grad = None
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    out = linear_cross_entropy(h, w, t, use_liger=use_liger)
    out.backward()
    peak = torch.cuda.max_memory_allocated() - base
    torch.testing.assert_close(out.float(), ref, rtol=5e-3, atol=0.5)
    assert h.grad is not None
    torch.testing.assert_close(h.grad.float(), ref_grad.float(), rtol=5e-2, atol=5e-4)
    assert peak < 4096 * 49152 * 4  # below ONE fp32 copy of the full logits


def test_feeder_reuses_its_pinned_buffers() -> None:
    from worker.training.data import Example
    from worker.training.packing import collate_examples, pack
    from worker.training.steps import DeviceFeeder

    packed = pack(
        [Example(list(range(1, n + 1)), [True] * n, i) for i, n in enumerate([5, 9, 7])], 64
    )
    feed = DeviceFeeder(CUDA)
    mb = collate_examples(packed, [0, 1, 2], pad_id=0)
    first = feed(mb, "torch")
    ptrs = {b.data_ptr() for b in feed._bufs}
    for _ in range(4):
        again = feed(mb, "torch")
    assert {b.data_ptr() for b in feed._bufs} == ptrs and all(b.is_pinned() for b in feed._bufs)
    for key in ("input_ids", "position_ids", "target_index", "target_ids"):
        assert torch.equal(again[key].cpu(), getattr(mb, key)) and first[key].is_cuda
    assert again["attn"]["packed_cu"].dtype == torch.int32
    assert again["attn"]["packed_cu"].tolist() == mb.bounds


def _run(
    tmp: Path, name: str, model: str = "tiny-random-llama", n: int = 96, **cfg: Any
) -> tuple[Any, RecordingReporter]:
    data = write_chat_dataset(tmp / f"train-{n}.jsonl", n=n)
    rep = RecordingReporter()
    base: dict[str, Any] = dict(lora_dropout=0.0, eval_every=1000, log_every=1, val_fraction=0.0)
    res = run_training(
        config=fast_config(base_model=model, **{**base, **cfg}),
        dataset_path=data,
        work_dir=tmp / name,
        reporter=rep,
        device="cuda",
    )
    return res, rep


def test_probe_reports_the_gpu_decision(tmp_path: Path) -> None:
    res, rep = _run(tmp_path, "probe", model="random-smollm2-135m", epochs=1)
    sizing = next(p["sizing"] for _, _, p in rep.events if "sizing" in p)
    assert sizing["source"] == "probe" and sizing["device"] == torch.cuda.get_device_name()
    assert sizing["measured_peak_mb"] > 0 and sizing["measured_tokens_per_s"] > 0
    assert sizing["budget_tokens"] >= sizing["min_tokens"]
    assert res.step == res.total_steps


def test_real_out_of_memory_is_survived(tmp_path: Path) -> None:
    """Cap this process's GPU memory so a step-sized micro-batch cannot fit but half of it can:
    the step is redone smaller and the run ends with the same steps as an uncapped one."""
    from worker.training import loop as loop_module

    big: dict[str, Any] = dict(
        model="random-smollm2-135m", n=2000, epochs=1, batch_size=16, max_seq_len=512
    )
    clean, _ = _run(tmp_path, "clean", **big)
    real_size = loop_module.size_micro_batches
    captured: dict[str, Any] = {}

    def whole_step_then_cap(config, data, loaded):  # type: ignore[no-untyped-def]
        sizing = real_size(config, data, loaded)
        assert sizing.measured_peak_mb is not None and sizing.probe_tokens
        per_token = sizing.measured_peak_mb * 2**20 / sizing.probe_tokens
        step_tokens = config.tokens_per_micro_batch * config.grad_accum_steps
        total = torch.cuda.get_device_properties(0).total_memory
        allowed = torch.cuda.memory_allocated() + 0.6 * per_token * step_tokens + 2**26
        captured["fraction"] = allowed / total
        torch.cuda.set_per_process_memory_fraction(allowed / total)
        from dataclasses import replace

        return replace(sizing, budget_tokens=step_tokens)

    loop_module.size_micro_batches = whole_step_then_cap  # type: ignore[assignment]
    try:
        res, rep = _run(tmp_path, "capped", **big)
    finally:
        loop_module.size_micro_batches = real_size  # type: ignore[assignment]
        torch.cuda.set_per_process_memory_fraction(1.0)
    warnings = [p for t, m, p in rep.events if t == "warning" and m.startswith("Out of memory")]
    assert warnings, f"no OOM happened under fraction {captured['fraction']:.4f}"
    assert res.step == clean.step == res.total_steps
    assert res.final_train_loss == pytest.approx(clean.final_train_loss, rel=2e-2)


LAUNCH_EVENTS = ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel", "cuLaunchKernelEx")


def _launches_per_step(s: Any) -> int:
    """Kernel launches of one optimizer step (after a warm-up step that allocates AdamW's
    state): forward + backward of the step's examples in one micro-batch, clip, AdamW, copy."""
    from worker.training.loop import accumulate

    def step(n: int) -> None:
        rows = s.step_rows(n)
        accumulate(s.parts, s.feed, s.data.train, rows, 10**6, s.pad_id, s.optimizer)
        s.optimizer.step(s.config.max_grad_norm)

    step(0)
    torch.cuda.synchronize()
    cpu, gpu = torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA
    with torch.profiler.profile(activities=[cpu, gpu]) as prof:
        step(1)
        torch.cuda.synchronize()
    return sum(e.count for e in prof.key_averages() if e.key in LAUNCH_EVENTS)


def test_mixed_adapter_precision_is_the_cuda_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SmolLM2-135M's shape (bf16 base weights): bf16 adapters with fp32 masters by default, no
    ``_to_copy`` of an adapter weight in a forward, fewer launches per step than fp32 adapters;
    on the tiny preset the same final loss (1%) as fp32 adapters and an fp32 adapter file."""
    from tests.worker.training.test_precision import _adapter, adapter_casts, setup
    from worker.training.precision import PRECISION_ENV

    data = write_chat_dataset(tmp_path / "d.jsonl")
    found: dict[str, Any] = {}
    for mode in ("auto", "fp32"):
        monkeypatch.setenv(PRECISION_ENV, mode)
        s = setup(data, device="cuda", base_model="random-smollm2-135m")
        dtypes = {p.dtype for p in s.optimizer.params}
        found[mode] = (s.optimizer.mode, dtypes, *adapter_casts(s), _launches_per_step(s))
        found[mode + "_weights"] = len(s.optimizer.params)
        del s
        torch.cuda.empty_cache()
    mode, dtypes, adapter_copies, all_copies, launches = found["auto"]
    _, _, ref_adapter_copies, ref_all_copies, ref_launches = found["fp32"]
    print(
        f"\nadapter precision on {torch.cuda.get_device_name()} (smollm2-135m shape, LoRA r8 "
        f"q/k/v/o, {found['auto_weights']} adapter weights): forward _to_copy total/adapter "
        f"mixed {all_copies}/{adapter_copies} vs fp32 {ref_all_copies}/{ref_adapter_copies}; "
        f"kernel launches per step mixed {launches} vs fp32 {ref_launches}"
    )
    assert mode == "mixed" and dtypes == {torch.bfloat16}
    assert adapter_copies == 0 and ref_adapter_copies >= found["fp32_weights"]
    assert ref_all_copies - all_copies >= found["fp32_weights"]
    assert launches < ref_launches

    monkeypatch.delenv(PRECISION_ENV)
    mixed, rep = _run(tmp_path, "mixed", epochs=3)
    monkeypatch.setenv(PRECISION_ENV, "fp32")
    ref, rep_ref = _run(tmp_path, "fp32", epochs=3)
    payloads = [[p for _, _, p in r.events if "adapter_precision" in p] for r in (rep, rep_ref)]
    assert [p[0]["adapter_precision"] for p in payloads] == ["mixed", "fp32"]
    assert mixed.step == ref.step >= 40
    assert mixed.final_train_loss is not None and ref.final_train_loss is not None
    assert abs(mixed.final_train_loss - ref.final_train_loss) <= 0.01 * ref.final_train_loss
    tensors = _adapter(mixed.adapter_path, tmp_path / "adapter")
    assert tensors and all(t.dtype == torch.float32 for t in tensors.values())


def test_compile_switch_trains(tmp_path: Path) -> None:
    os.environ["LORA_PIPELINE_COMPILE"] = "1"
    try:
        res, _ = _run(tmp_path, "compiled", epochs=1)
    finally:
        del os.environ["LORA_PIPELINE_COMPILE"]
    assert res.step == res.total_steps and res.final_train_loss is not None
