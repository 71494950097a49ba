"""Training throughput: our packed loop vs the Hugging Face Trainer, measured in one run.

Same model, same LoRA config, same 2,000 synthetic sequences (lengths uniform in
[min_len, max_len], token ids drawn directly, fixed seed), same number of real tokens:

  (a) worker.training's loop: packing into one row per micro-batch + varlen attention, adapters
      in the engine's precision mode (CUDA: bf16 adapters + fp32 masters; the table's footer
      says which; LORA_PIPELINE_ADAPTER_PRECISION=fp32 measures the fp32-adapter path)
  (b) transformers.Trainer + PEFT as a user gets it: batches padded to their longest sequence
  (c) the same Trainer with train_sampling_strategy="group_by_length" (a.k.a. group_by_length)

Each approach lives in its own process (warmed up once there, so memory figures do not inherit
another approach's allocator state). On CPU the three take turns chunk by chunk (--chunk-seqs
sequences each, a fresh training per chunk): on a shared host the load changes by the minute,
and interleaving spreads it evenly over a, b and c. On a GPU (a machine of its own) there is
nothing to spread: each warm process trains on all sequences in ONE run, one approach after the
other, and then profiles a few optimizer steps for kernel launches per step and the GPU-busy
fraction (CUDA kernel time / wall time). For (c) the order comes from the Trainer's
own get_length_grouped_indices over the whole set (what group_by_length does: megabatches of
50 batches sorted by length), fed chunk by chunk with a sequential sampler -- so (c) gets the
same batches it would get in one uninterrupted run. Prints real (non-padding) tokens/s, padding
efficiency, peak memory (CPU: peak RSS of that process; CUDA: max allocated), on CUDA kernel
launches per optimizer step and GPU-busy fraction, and the ratios a/b and a/c; then (CPU) the
cost of reporting through a background thread that serializes JSON vs a NullReporter. Writes
nothing into the repository.

Same sequences per optimizer step for every approach by default (our step: --pack-rows rows of
--max-len tokens; the Trainer's: --hf-batch sequences). --tokens-per-step N makes our step N/max_len
packed rows (N tokens; on CUDA the engine's probe decides how many passes) and raises the
Trainer's batch to the same number of tokens.
--model picks the tiny preset, SmolLM2-135M (real weights), or a random-init model of the exact
architecture of SmolLM2-135M, Qwen2.5-0.5B or Llama-3.2-1B (no download).

CPU runs default to one torch thread: on a shared 2-core host OpenMP barriers stall whenever
another process takes a core, which swamps the differences being measured (--threads 2 to
use both cores on a quiet machine).

    .venv/bin/python bench/train_bench.py     # tiny model, CPU: ~5 min idle, ~13 min on a busy host
    python3 bench/train_bench.py --device cuda                     # random-smollm2-135m shape
    python3 bench/train_bench.py --device cuda --tokens-per-step 32768 --model random-qwen2.5-0.5b
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.threaded_reporter import ThreadedReporter
from worker.training.config import TrainingConfig
from worker.training.data import Example, TokenizeStats
from worker.training.gpu import GpuMonitor
from worker.training.loop import size_micro_batches, train
from worker.training.models import (
    RANDOM_ARCHITECTURES,
    SMOLLM2_PRESET,
    TINY_PRESET,
    LoadedModel,
    load_for_training,
    load_tokenizer,
    pick_device,
)
from worker.training.packing import BatchPlan, pack, padding_efficiency
from worker.training.precision import AdapterOptimizer
from worker.training.prepare import PreparedData
from worker.training.reporting import NullReporter, Reporter
from worker.training.state import TrainState

LORA: dict[str, Any] = {"lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05}
LR = 1e-4


@dataclass
class Measured:
    """One approach, one round."""

    name: str
    seconds: float
    real_tokens: int
    computed_tokens: int
    peak_mb: float
    launches_per_step: float = float("nan")
    gpu_busy: float = float("nan")
    precision: str | None = None  # (a): the AdapterOptimizer's describe() line

    @property
    def tokens_per_s(self) -> float:
        return self.real_tokens / self.seconds

    @property
    def efficiency(self) -> float:
        return self.real_tokens / max(1, self.computed_tokens)


# ---- data -----------------------------------------------------------------------------------


def make_sequences(
    n: int, lo: int, hi: int, id_range: tuple[int, int], seed: int
) -> list[list[int]]:
    """n random token sequences, lengths uniform in [lo, hi], ids uniform in id_range."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(lo, hi + 1, size=n)
    return [rng.integers(*id_range, size=int(k)).tolist() for k in lengths]


def plain_id_range(tokenizer: Any) -> tuple[int, int]:
    """Widest [lo, hi) of ids holding no special token: a random pad/EOS id would be masked
    out of the Trainer's labels and skew the comparison."""
    edges = sorted({-1, len(tokenizer), *tokenizer.all_special_ids})
    lo, hi = max(pairwise(edges), key=lambda e: e[1] - e[0])
    return lo + 1, hi


def take_budget(seqs: list[list[int]], budget: int | None) -> list[list[int]]:
    """Leading sequences whose total length stays within ``budget`` real tokens."""
    if budget is None:
        return seqs
    out, total = [], 0
    for s in seqs:
        if total + len(s) > budget:
            break
        out.append(s)
        total += len(s)
    return out


# ---- memory ----------------------------------------------------------------------------------


@contextmanager
def peak_memory(device: torch.device) -> Iterator[dict[str, float]]:
    """CUDA: max allocated during the block (MiB). CPU: the process's peak RSS so far (MiB);
    each approach runs in its own fresh process, so that is its peak working set."""
    result = {"peak_mb": float("nan")}
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    yield result
    if device.type == "cuda":
        torch.cuda.synchronize()
        result["peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    else:
        import resource

        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- CUDA profile: kernel launches per step, GPU-busy fraction ------------------------------

LAUNCH_EVENTS = ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel", "cuLaunchKernelEx")


def cuda_profile(run: Callable[[], int]) -> tuple[float, float]:
    """Profile ``run`` (returns its optimizer steps): (kernel launches per step, CUDA kernel
    time / wall time). Launches are the runtime's launch calls on the CPU side, graph replays
    counted once; kernel time is the sum of device self-times."""
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        t0 = time.perf_counter()
        steps = run()
        torch.cuda.synchronize()
        wall = time.perf_counter() - t0
    table = prof.key_averages()
    launches = sum(e.count for e in table if e.key in (*LAUNCH_EVENTS, "cudaGraphLaunch"))
    device_us = sum(getattr(e, "self_device_time_total", 0.0) for e in table)
    return launches / max(1, steps), device_us / 1e6 / wall


# ---- (a) our loop ----------------------------------------------------------------------------


def our_config(args: argparse.Namespace) -> TrainingConfig:
    """Token budget per step close to the Trainer's batch of padded sequences (or exactly
    --tokens-per-step: one packed row of that many tokens)."""
    rows, row_len = args.pack_rows, args.max_len
    if args.tokens_per_step:  # rows of max_len adding up to N; the engine sizes the passes
        rows = -(-args.tokens_per_step // args.max_len)
    return TrainingConfig(
        base_model=args.base_model,
        epochs=1,
        learning_rate=LR,
        batch_size=rows,
        max_seq_len=row_len,
        grad_accum_steps=1,
        warmup_ratio=0.0,
        val_fraction=0.0,
        log_every=args.log_every,
        eval_every=10**9,
        checkpoint_every=10**9,
        seed=args.seed,
        **LORA,
    )


def load(args: argparse.Namespace, device: torch.device) -> LoadedModel:
    cfg = our_config(args)
    torch.manual_seed(args.seed)
    return load_for_training(cfg, device=device, tokenizer=load_tokenizer(args.base_model))


def run_ours(
    args: argparse.Namespace,
    seqs: list[list[int]],
    device: torch.device,
    reporter: Reporter | None = None,
    name: str = "a) packed loop",
    profile: bool = False,
) -> Measured:
    """Train on ``seqs`` (a fresh model); ``profile``: under the CUDA profiler instead."""
    cfg = our_config(args)
    loaded = load(args, device)
    examples = [Example(s, [True] * len(s), i + 1) for i, s in enumerate(seqs)]
    packed = pack(examples, cfg.tokens_per_micro_batch)
    plan = BatchPlan(
        rows_per_micro_batch=1, grad_accum_steps=1, n_rows=len(packed.rows), seed=cfg.seed
    )
    data = PreparedData(
        train=packed,
        val=None,
        plan=plan,
        epochs=1,
        stats=TokenizeStats(),
        n_records=len(seqs),
        padding_efficiency=padding_efficiency(packed, plan),
    )
    # the engine's own optimizer: on CUDA the adapters go bf16 here, AdamW gets fp32 masters
    opt = AdapterOptimizer.for_model(
        loaded.model, lr=LR, weight_decay=cfg.weight_decay, device=device
    )
    state = TrainState.fresh(device)
    with tempfile.TemporaryDirectory() as tmp:
        # sized (on CUDA: probed) before the clock starts, as at a job's model load
        sizing = size_micro_batches(cfg, data, loaded)

        def go() -> int:
            train(
                cfg,
                data,
                loaded,
                opt,
                state,
                reporter or NullReporter(),
                GpuMonitor(None),
                Path(tmp),
                sizing,
            )
            return data.total_steps

        if profile:
            launches, busy = cuda_profile(go)
            return Measured(
                name, 0.0, packed.n_tokens, packed.n_tokens, 0.0, launches, busy, opt.describe()
            )
        with peak_memory(device) as mem:
            t0 = time.perf_counter()
            go()
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - t0
    real = packed.n_tokens
    computed = round(real / data.padding_efficiency)
    return Measured(name, seconds, real, computed, mem["peak_mb"], precision=opt.describe())


# ---- (b), (c) Hugging Face Trainer -----------------------------------------------------------


class CountingCollator:
    """DataCollatorForLanguageModeling (pads to the batch's longest) that counts tokens."""

    def __init__(self, tokenizer: Any) -> None:
        from transformers import DataCollatorForLanguageModeling

        self.inner = DataCollatorForLanguageModeling(tokenizer, mlm=False)
        self.computed = 0
        self.real = 0

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        batch = self.inner(features)
        self.computed += int(batch["input_ids"].numel())
        self.real += int(batch["attention_mask"].sum())
        return batch


def run_trainer(
    args: argparse.Namespace,
    seqs: list[list[int]],
    device: torch.device,
    grouped: bool,
    profile: bool = False,
) -> Measured:
    """Trainer on ``seqs`` (a fresh model); ``profile``: under the CUDA profiler instead."""
    from transformers import Trainer, TrainingArguments

    loaded = load(args, device)
    dataset = [{"input_ids": s} for s in seqs]
    collator = CountingCollator(loaded.tokenizer)
    # grouped: ``seqs`` is already in LengthGroupedSampler order (see main), keep it
    sampler: dict[str, Any] = {"train_sampling_strategy": "sequential"} if grouped else {}
    with tempfile.TemporaryDirectory() as tmp:
        targs = TrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=args.hf_batch,
            num_train_epochs=1,
            learning_rate=LR,
            warmup_steps=0,
            weight_decay=0.0,
            logging_strategy="no",
            save_strategy="no",
            report_to=[],
            disable_tqdm=True,
            dataloader_num_workers=0,
            use_cpu=device.type == "cpu",
            bf16=device.type == "cuda",
            seed=args.seed,
            remove_unused_columns=False,
            **sampler,
        )
        trainer = Trainer(
            model=loaded.model, args=targs, train_dataset=dataset, data_collator=collator
        )
        name = "c) Trainer group_by_length" if grouped else "b) Trainer padded"
        if profile:

            def go() -> int:
                trainer.train()
                return -(-len(seqs) // args.hf_batch)

            launches, busy = cuda_profile(go)
            return Measured(name, 0.0, collator.real, collator.computed, 0.0, launches, busy)
        with peak_memory(device) as mem:
            t0 = time.perf_counter()
            trainer.train()
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - t0
    return Measured(name, seconds, collator.real, collator.computed, mem["peak_mb"])


def length_grouped_order(seqs: list[list[int]], batch: int, seed: int) -> list[int]:
    """The order transformers' LengthGroupedSampler (group_by_length) gives the whole set."""
    from transformers.trainer_pt_utils import get_length_grouped_indices

    gen = torch.Generator().manual_seed(seed)
    return list(get_length_grouped_indices([len(s) for s in seqs], batch, generator=gen))


# ---- isolation -------------------------------------------------------------------------------


def _serve(kind: str, args: argparse.Namespace, warm: list[list[int]], conn: Any) -> None:
    """Child process: warm up once, then train one chunk per request until told to stop."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)

    def run(seqs: list[list[int]], profile: bool = False) -> Measured:
        if kind == "a":
            return run_ours(args, seqs, device, profile=profile)
        return run_trainer(args, seqs, device, grouped=kind == "c", profile=profile)

    run(warm)
    conn.send("ready")
    while (request := conn.recv()) is not None:
        seqs, profile = request
        conn.send(run(seqs, profile))


class Runner:
    """One long-lived process per approach, so chunks of the three can be interleaved in time:
    on a shared host the load changes by the minute, and interleaving spreads it evenly."""

    def __init__(self, kind: str, args: argparse.Namespace, warm: list[list[int]]) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(kind, args, warm, child), daemon=True)
        self.proc.start()
        self.conn.recv()  # "ready"
        self.parts: list[Measured] = []

    def run(self, seqs: list[list[int]]) -> Measured:
        self.conn.send((seqs, False))
        m: Measured = self.conn.recv()
        self.parts.append(m)
        return m

    def profile(self, seqs: list[list[int]]) -> Measured:
        """A short run under the CUDA profiler (launches per step, GPU-busy fraction)."""
        self.conn.send((seqs, True))
        m: Measured = self.conn.recv()
        return m

    def total(self) -> Measured:
        """All chunks as one measurement (peak memory: the largest seen)."""
        p = self.parts
        return Measured(
            p[0].name,
            sum(m.seconds for m in p),
            sum(m.real_tokens for m in p),
            sum(m.computed_tokens for m in p),
            max(m.peak_mb for m in p),
            precision=p[0].precision,
        )

    def close(self) -> None:
        self.conn.send(None)
        self.proc.join(30)


# ---- reporting overhead ----------------------------------------------------------------------


class TimedReporter:
    """Wraps a reporter and adds up the loop-thread time spent inside its methods."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(self.inner, name)

        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                self.seconds += time.perf_counter() - t0
                self.calls += 1

        return timed


def json_sink() -> Callable[[list[dict[str, Any]]], None]:
    """Real work per batch: JSON-encode it as an HTTP client would (then drop the bytes)."""
    sent = [0]

    def send(batch: list[dict[str, Any]]) -> None:
        sent[0] += len(json.dumps(batch, default=str).encode())

    return send


def reporting_overhead(
    args: argparse.Namespace, seqs: list[list[int]], device: torch.device
) -> dict[str, float]:
    """Null vs threaded-JSON reporter, alternating runs (min of each), plus in-call time."""
    null_times, thr_times, in_call, steps = [], [], [], 0
    for _ in range(args.overhead_repeats):
        null_times.append(run_ours(args, seqs, device).seconds)
        threaded = ThreadedReporter(json_sink(), flush_interval=0.2)
        timed = TimedReporter(threaded)
        m = run_ours(args, seqs, device, reporter=timed)  # type: ignore[arg-type]
        threaded.close()
        thr_times.append(m.seconds)
        in_call.append(timed.seconds / m.seconds)
        steps = timed.calls
    best_null, best_thr = min(null_times), min(thr_times)
    return {
        "null_s": best_null,
        "threaded_s": best_thr,
        "wall_overhead": (best_thr - best_null) / best_null,
        "in_call_fraction": statistics.median(in_call),
        "calls": steps,
    }


# ---- main ------------------------------------------------------------------------------------


def na(value: float, spec: str) -> str:
    """Format ``value``, or "n/a" (right-aligned to the same width) when not measured."""
    width = int(spec.split(".")[0])
    return f"{'n/a':>{width}}" if math.isnan(value) else format(value, spec)


MODELS = {"tiny": TINY_PRESET, "smollm2": SMOLLM2_PRESET} | {k: k for k in RANDOM_ARCHITECTURES}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--model",
        choices=list(MODELS),
        default=None,
        help="default: tiny on CPU, random-smollm2-135m on CUDA",
    )
    p.add_argument("--device", default=None, help="cpu | cuda | cuda:N (default: cuda if present)")
    p.add_argument("--sequences", type=int, default=2000)
    p.add_argument("--min-len", type=int, default=16)
    p.add_argument("--max-len", type=int, default=512)
    p.add_argument(
        "--tokens",
        type=int,
        default=None,
        help="real-token budget per approach (default: all sequences)",
    )
    p.add_argument("--hf-batch", type=int, default=8, help="Trainer sequences per batch")
    p.add_argument(
        "--pack-rows",
        type=int,
        default=4,
        help="our batch_size: step budget = pack_rows * max_len tokens",
    )
    p.add_argument(
        "--tokens-per-step",
        type=int,
        default=None,
        help="our step: rows adding up to N tokens; the Trainer's batch: ~N tokens of sequences",
    )
    p.add_argument(
        "--chunk-seqs",
        type=int,
        default=200,
        help="CPU: sequences per interleaved chunk (a, b, c take turns chunk by chunk)",
    )
    p.add_argument("--profile-steps", type=int, default=3, help="CUDA: optimizer steps profiled")
    p.add_argument(
        "--approaches",
        default="abc",
        help="CUDA: which of a, b, c to run (e.g. 'ac' where the padded Trainer would not fit)",
    )
    p.add_argument("--overhead-tokens", type=int, default=60_000)
    p.add_argument("--overhead-repeats", type=int, default=3)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: 1 on CPU, see above)"
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    device = pick_device(args.device)
    args.model = args.model or ("tiny" if device.type == "cpu" else "random-smollm2-135m")
    args.base_model = MODELS[args.model]
    if device.type == "cpu" and args.threads is None:
        args.threads = 1
    if args.threads:
        torch.set_num_threads(args.threads)

    id_range = plain_id_range(load_tokenizer(args.base_model))
    seqs = make_sequences(args.sequences, args.min_len, args.max_len, id_range, args.seed)
    seqs = take_budget(seqs, args.tokens)
    real = sum(len(s) for s in seqs)
    if args.tokens_per_step:  # the Trainer's batch raised to the same tokens per step
        args.tokens_per_step = max(args.tokens_per_step, args.max_len)
        args.hf_batch = max(1, round(args.tokens_per_step * len(seqs) / real))
    print(
        f"model={args.model} device={device} threads={torch.get_num_threads()} "
        f"sequences={len(seqs)} real_tokens={real:,} lengths {args.min_len}-{args.max_len} "
        f"step: ours {our_config(args).tokens_per_micro_batch:,} tokens, Trainer "
        f"{args.hf_batch} sequences; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )

    warm = seqs[:24]  # first-call costs (kernel selection, allocator) stay out of the timings
    grouped = [seqs[i] for i in length_grouped_order(seqs, args.hf_batch, args.seed)]
    if device.type == "cuda":
        results = gpu_rounds(args, seqs, grouped, warm, kinds=args.approaches)
    else:
        results = interleaved_rounds(args, seqs, grouped, warm)

    print()
    mem_label = "CUDA MiB" if device.type == "cuda" else "RSS MiB"
    print(
        f"{'approach':<28} {'real tok/s':>11} {'pad eff':>8} {mem_label:>9} {'seconds':>8} "
        f"{'launch/step':>11} {'GPU busy':>8}"
    )
    med: dict[str, float] = {}
    for k, m in results.items():
        med[k] = m.tokens_per_s
        print(
            f"{m.name:<28} {m.tokens_per_s:11.0f} {m.efficiency:8.3f} "
            f"{m.peak_mb:9.1f} {m.seconds:8.1f} {na(m.launches_per_step, '11.0f')} "
            f"{na(m.gpu_busy, '8.1%')}"
        )
    if "a" in results:
        print(f"(a) {results['a'].precision}")
    nan = float("nan")
    a_b = med["a"] / med["b"] if {"a", "b"} <= set(med) else nan
    a_c = med["a"] / med["c"] if {"a", "c"} <= set(med) else nan
    eff_a = results["a"].efficiency if "a" in results else nan
    print()
    if device.type == "cuda":
        # the figures of the issue's H200 targets; judged by whoever reads them
        print(f"a/b = {a_b:.2f}   a/c = {a_c:.2f}   padding efficiency (a) = {eff_a:.3f}")
        if {"a", "c"} <= set(results):
            print(
                f"a tokens/s = {med['a']:,.0f}   a peak / c peak = "
                f"{results['a'].peak_mb / results['c'].peak_mb:.2f}   GPU busy (a) = "
                f"{results['a'].gpu_busy:.1%}"
            )
        return 0
    print(f"a/b = {a_b:.2f}   (target >= 1.5)")
    print(f"a/c = {a_c:.2f}   (target >= 0.95)")
    print(f"padding efficiency (a) = {eff_a:.3f}   (target >= 0.97)")

    run_ours(args, warm, device)
    over = reporting_overhead(args, take_budget(seqs, args.overhead_tokens), device)
    print()
    print(
        f"reporting overhead: NullReporter {over['null_s']:.2f}s vs threaded JSON reporter "
        f"{over['threaded_s']:.2f}s (best of {args.overhead_repeats})"
    )
    print(f"  wall-clock difference: {over['wall_overhead']:+.2%} (noise-limited)")
    print(
        f"  loop time inside reporter calls: {over['in_call_fraction']:.3%} of step time "
        f"over {over['calls']} calls   (target < 1%)"
    )
    ok = a_b >= 1.5 and a_c >= 0.95 and eff_a >= 0.97 and over["in_call_fraction"] < 0.01
    print("\nALL TARGETS MET" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok or math.isnan(a_b) else 1


def interleaved_rounds(
    args: argparse.Namespace,
    seqs: list[list[int]],
    grouped: list[list[int]],
    warm: list[list[int]],
) -> dict[str, Measured]:
    """CPU: the three approaches take turns chunk by chunk (see the module docstring)."""
    runners = {k: Runner(k, args, warm) for k in "abc"}
    size = args.chunk_seqs - args.chunk_seqs % args.hf_batch or args.hf_batch  # whole batches
    n_chunks = -(-len(seqs) // size)
    for n in range(n_chunks):
        order = "abc"[n % 3 :] + "abc"[: n % 3]  # rotate who goes first
        line = []
        for k in order:
            chunk = (grouped if k == "c" else seqs)[n * size : (n + 1) * size]
            line.append(f"{k}={runners[k].run(chunk).tokens_per_s:7.0f}")
        print(f"  chunk {n + 1:>2}/{n_chunks} tok/s: " + " ".join(sorted(line)), flush=True)
    results = {k: r.total() for k, r in runners.items()}
    for r in runners.values():
        r.close()
    return results


def gpu_rounds(
    args: argparse.Namespace,
    seqs: list[list[int]],
    grouped: list[list[int]],
    warm: list[list[int]],
    kinds: str = "abc",
) -> dict[str, Measured]:
    """CUDA: one warm process per approach, one run over all sequences, one approach at a time
    (the GPU is not shared); then a few profiled steps in the same process."""
    results: dict[str, Measured] = {}
    for k in kinds:
        t0 = time.perf_counter()
        runner = Runner(k, args, warm)
        data = grouped if k == "c" else seqs
        m = runner.run(data)
        # profile the first --profile-steps Trainer batches' worth of sequences
        n = max(1, min(len(data), args.profile_steps * args.hf_batch))
        prof = runner.profile(data[:n])
        runner.close()
        m.launches_per_step, m.gpu_busy = prof.launches_per_step, prof.gpu_busy
        results[k] = m
        print(
            f"  {m.name:<28} {m.tokens_per_s:9.0f} tok/s  {m.peak_mb:9.0f} MiB  "
            f"{m.launches_per_step:6.0f} launches/step  busy {m.gpu_busy:.0%}  "
            f"({time.perf_counter() - t0:.0f}s with load and warm-up)",
            flush=True,
        )
    return results


if __name__ == "__main__":
    raise SystemExit(main())
