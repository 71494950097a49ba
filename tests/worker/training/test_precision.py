"""Mixed adapter precision (precision.py): bf16 LoRA weights in the model, fp32 masters in AdamW.

On CPU the mode is switched on with LORA_PIPELINE_ADAPTER_PRECISION=mixed (which brings bf16
autocast with it); its reference is the fp32-adapter path under the same bf16 autocast
(LORA_PIPELINE_ADAPTER_PRECISION=fp32 + LORA_PIPELINE_AUTOCAST=bf16), the path CUDA ran before.
"""

from __future__ import annotations

import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from safetensors.torch import load_file

from tests.worker.training.conftest import fast_config, write_chat_dataset
from worker.training import RecordingReporter, TrainingResult, load_checkpoint, run_training
from worker.training.config import TrainingConfig
from worker.training.loop import accumulate, seed_everything
from worker.training.models import load_for_training, load_tokenizer
from worker.training.precision import AUTOCAST_ENV, PRECISION_ENV, AdapterOptimizer
from worker.training.prepare import PreparedData, prepare_data
from worker.training.resume import resume
from worker.training.steps import DeviceFeeder, ModelParts, loss_sum

BF16 = torch.bfloat16
# no dropout and no validation: runs differ only by what the precision mode does
QUIET: dict[str, Any] = dict(lora_dropout=0.0, eval_every=1000, log_every=1, val_fraction=0.0)


def set_mode(mp: pytest.MonkeyPatch, mode: str) -> None:
    """``mixed``: bf16 adapters + fp32 masters; ``fp32``: fp32 adapters, bf16 autocast too."""
    mp.setenv(PRECISION_ENV, mode)
    if mode == "fp32":
        mp.setenv(AUTOCAST_ENV, "bf16")


@dataclass
class Setup:
    """One model, its optimizer and the pieces a step needs, on ``device``."""

    config: TrainingConfig
    model: Any
    optimizer: AdapterOptimizer
    parts: ModelParts
    feed: DeviceFeeder
    data: PreparedData
    pad_id: int

    def step_rows(self, step: int = 0) -> list[int]:
        return [r for mb in self.data.plan.step_rows(0, step) for r in mb]

    def batch(self, rows: list[int]) -> dict[str, Any]:
        """All examples of ``rows`` as one micro-batch, on the device."""
        from worker.training.packing import collate_examples

        ids = [i for r in rows for i in self.data.train.rows[r]]
        mb = collate_examples(self.data.train, ids, self.pad_id)
        return self.feed(mb, self.parts.attn_kernel)


def setup(dataset: Path, device: str = "cpu", **cfg: Any) -> Setup:
    """Seeded model + optimizer in the precision mode the environment says."""
    config = fast_config(**{**QUIET, **cfg})
    dev = torch.device(device)
    seed_everything(config.seed)
    tokenizer = load_tokenizer(config.base_model)
    data = prepare_data(config, tokenizer, dataset)
    loaded = load_for_training(config, device=dev, tokenizer=tokenizer)
    opt = AdapterOptimizer.for_model(
        loaded.model, lr=config.learning_rate, weight_decay=config.weight_decay, device=dev
    )
    loaded.model.train()
    parts = ModelParts.of(loaded.model, dev)
    pad_id = int(tokenizer.pad_token_id)
    return Setup(config, loaded.model, opt, parts, DeviceFeeder(dev), data, pad_id)


def adapter_casts(s: Setup) -> tuple[int, int]:
    """(``aten::_to_copy`` of an adapter weight, all ``aten::_to_copy``) in one training forward
    of a full step's examples. Adapter weights are told apart by shape (LoRA r=8 on a 64-wide
    model: no other tensor cast in a forward has those shapes)."""
    shapes = {tuple(p.shape) for p in s.optimizer.params}
    batch = s.batch(s.step_rows())
    assert batch["target_ids"].numel() > 16  # so the head's (targets x 64) rows differ too
    cpu = [torch.profiler.ProfilerActivity.CPU]
    with torch.profiler.profile(activities=cpu, record_shapes=True) as prof:
        loss_sum(s.parts, batch)
    copies = [e for e in prof.events() if e.name == "aten::_to_copy"]
    of_adapters = [e for e in copies if e.input_shapes and tuple(e.input_shapes[0]) in shapes]
    return len(of_adapters), len(copies)


# ---- (a) what lives where ------------------------------------------------------------------


def test_mixed_mode_trains_bf16_adapters_from_fp32_masters(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_mode(monkeypatch, "mixed")
    s = setup(dataset)
    opt = s.optimizer
    lora = [p for n, p in s.model.named_parameters() if "lora_" in n]
    assert opt.mode == "mixed" and s.parts.autocast_dtype == BF16
    assert lora and [id(p) for p in lora] == [id(p) for p in opt.params]
    assert all(p.dtype == BF16 and p.requires_grad for p in lora)
    in_adamw = [p for g in opt.param_groups for p in g["params"]]
    assert [id(p) for p in in_adamw] == [id(m) for m in opt.masters]
    assert all(m.dtype == torch.float32 for m in in_adamw)
    assert not {id(p) for p in in_adamw} & {id(p) for p in lora}
    before = [m.detach().clone() for m in opt.masters]

    # steps of several micro-batches: each backward's bf16 grads are folded into fp32 ones
    for step in range(2):  # two: lora_A's grad is zero until lora_B has left its zeros
        rows = s.step_rows(step)
        _, _, tokens = accumulate(s.parts, s.feed, s.data.train, rows, 96, s.pad_id, opt)
        assert tokens > 96  # more than one micro-batch
        assert all(p.grad is None for p in lora)
        assert all(m.grad is not None and m.grad.dtype == torch.float32 for m in opt.masters)
        opt.step(s.config.max_grad_norm)
        for p, m in zip(lora, opt.masters, strict=True):
            assert torch.equal(p.detach(), m.detach().to(BF16))  # each param = its master rounded

    moved = [not torch.equal(m, b) for m, b in zip(opt.masters, before, strict=True)]
    assert all(moved)
    # the masters keep bits bf16 cannot hold: the update is not rounded away
    assert any(not torch.equal(m, m.to(BF16).float()) for m in opt.masters)


def test_mixed_grads_equal_the_fp32_adapter_grads_under_the_same_autocast(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same gradient accumulation: fp32 sums of the same per-micro-batch grads."""
    grads = {}
    for mode in ("mixed", "fp32"):
        with monkeypatch.context() as mp:
            set_mode(mp, mode)
            s = setup(dataset)
            accumulate(s.parts, s.feed, s.data.train, s.step_rows(), 96, s.pad_id, s.optimizer)
            grads[mode] = [m.grad.clone() for m in s.optimizer.masters if m.grad is not None]
    assert len(grads["mixed"]) == len(grads["fp32"]) > 0
    for got, want in zip(grads["mixed"], grads["fp32"], strict=True):
        assert got.dtype == want.dtype == torch.float32
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-9)


# ---- (c) no casts of adapter weights in a forward ------------------------------------------


def test_mixed_forward_casts_no_adapter_weight(
    dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = {}
    for mode in ("mixed", "fp32"):
        with monkeypatch.context() as mp:
            set_mode(mp, mode)
            s = setup(dataset)
            n_weights = len(s.optimizer.params)
            counts[mode] = adapter_casts(s)
    assert n_weights == 2 * 4 * 4  # A and B of q, k, v, o in 4 layers
    (mixed_adapter, mixed_all), (fp32_adapter, fp32_all) = counts["mixed"], counts["fp32"]
    assert mixed_adapter == 0
    assert fp32_adapter == n_weights  # autocast caches one cast per weight per forward
    assert fp32_all - mixed_all >= n_weights


# ---- (b) loss parity over 40 optimizer steps -----------------------------------------------


def _run(
    tmp: Path, name: str, mp: pytest.MonkeyPatch, mode: str, **kw: Any
) -> tuple[TrainingResult, RecordingReporter]:
    set_mode(mp, mode)
    data = write_chat_dataset(tmp / "train.jsonl", n=96)
    rep = RecordingReporter()
    res = run_training(
        config=fast_config(**{**QUIET, **kw.pop("cfg", {})}),
        dataset_path=data,
        work_dir=tmp / name,
        reporter=rep,
        **kw,
    )
    return res, rep


def _precision_of(rep: RecordingReporter) -> str:
    return str(next(p["adapter_precision"] for _, _, p in rep.events if "adapter_precision" in p))


def test_loss_parity_with_fp32_adapters_over_40_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tolerance 1% (the issue's parity bound). The forward is the same in both modes (autocast
    rounds fp32 adapters to the very bf16 values the mixed model holds) and grads accumulate in
    fp32 in both, so what is left is dropout applied to bf16 instead of fp32 inputs and the
    order of bf16 sums; measured here over 57 steps: 5.03707 vs 5.03724 (3e-5 relative)."""
    monkeypatch.setenv("LORA_PIPELINE_MICRO_BATCH_TOKENS", "96")  # several passes per step
    cfg = dict(epochs=3, lora_dropout=0.1)  # 57 steps
    with monkeypatch.context() as mp:
        mixed, rep_m = _run(tmp_path, "mixed", mp, "mixed", cfg=cfg)
    with monkeypatch.context() as mp:
        ref, rep_r = _run(tmp_path, "fp32", mp, "fp32", cfg=cfg)
    assert (_precision_of(rep_m), _precision_of(rep_r)) == ("mixed", "fp32")
    assert mixed.step == ref.step >= 40
    assert mixed.final_train_loss is not None and ref.final_train_loss is not None
    first = rep_r.points[0].train_loss
    assert first is not None and ref.final_train_loss < 0.9 * first  # it did learn
    print(f"final train loss: mixed {mixed.final_train_loss:.6f}, fp32 {ref.final_train_loss:.6f}")
    assert abs(mixed.final_train_loss - ref.final_train_loss) <= 0.01 * ref.final_train_loss


# ---- (d), (e) checkpoints and the adapter hold the fp32 masters ----------------------------


@pytest.fixture(scope="module")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TrainingResult, Path]]:
    """An uninterrupted mixed-mode run (its periodic checkpoints kept on disk)."""
    root = tmp_path_factory.mktemp("mixed")
    with pytest.MonkeyPatch.context() as mp:
        res, _ = _run(root, "a", mp, "mixed", cfg=dict(checkpoint_every=5))
    yield res, root


def _adapter(archive: Path | None, dest: Path) -> dict[str, torch.Tensor]:
    assert archive is not None
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    return load_file(str(dest / "adapter" / "adapter_model.safetensors"))


def test_saved_adapter_and_checkpoints_are_fp32_masters(
    mixed_run: tuple[TrainingResult, Path], tmp_path: Path
) -> None:
    res, root = mixed_run
    tensors = _adapter(res.adapter_path, tmp_path)
    assert tensors and all(t.dtype == torch.float32 for t in tensors.values())
    # full precision values, not bf16 ones stored in fp32
    assert any(not torch.equal(t, t.to(BF16).float()) for t in tensors.values())
    ckpts = sorted((root / "a" / "checkpoints").glob("step-*.pt"))
    assert ckpts
    adapter = load_checkpoint(ckpts[-1])["adapter"]
    assert adapter.keys() == tensors.keys()
    assert all(t.dtype == torch.float32 for t in adapter.values())
    assert any(not torch.equal(t, t.to(BF16).float()) for t in adapter.values())


def test_resume_restores_masters_and_adamw_state_exactly(
    mixed_run: tuple[TrainingResult, Path], dataset: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peft import get_peft_model_state_dict

    _, root = mixed_run
    path = sorted((root / "a" / "checkpoints").glob("step-*.pt"))[-1]
    ckpt = load_checkpoint(path)
    set_mode(monkeypatch, "mixed")
    s = setup(root / "train.jsonl", checkpoint_every=5)
    opt = s.optimizer
    resume(
        s.model,
        opt,
        s.config,
        s.data.total_steps,
        s.data.steps_per_epoch,
        path,
        None,
        torch.device("cpu"),
    )
    with opt.full_precision():
        masters = {k: v.clone() for k, v in get_peft_model_state_dict(s.model).items()}
    assert masters.keys() == ckpt["adapter"].keys()
    for k, want in ckpt["adapter"].items():
        assert torch.equal(masters[k], want), k  # exact: not a round trip through bf16
    for p, m in zip(opt.params, opt.masters, strict=True):
        assert p.dtype == BF16 and torch.equal(p.detach(), m.detach().to(BF16))
    saved = ckpt["optimizer"]["state"]
    now = opt.state_dict()["state"]
    assert saved.keys() == now.keys() and len(now) == len(opt.masters)
    for i, st in saved.items():
        for key in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(now[i][key], st[key]), (i, key)


def test_pause_and_resume_in_mixed_mode_gives_the_uninterrupted_adapter(
    mixed_run: tuple[TrainingResult, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    res_a, _ = mixed_run
    cfg = dict(checkpoint_every=5)
    stop_step = 7  # between checkpoints: the pause writes its own
    with monkeypatch.context() as mp:
        set_mode(mp, "mixed")
        data = write_chat_dataset(tmp_path / "train.jsonl", n=96)
        res_b = run_training(
            config=fast_config(**{**QUIET, **cfg}),
            dataset_path=data,
            work_dir=tmp_path / "b",
            reporter=RecordingReporter(stop_at=(stop_step, "pause")),
        )
        assert res_b.stopped == "pause" and res_b.step == stop_step
        res_c = run_training(
            config=fast_config(**{**QUIET, **cfg}),
            dataset_path=data,
            work_dir=tmp_path / "c",
            reporter=RecordingReporter(),
            resume_from=res_b.checkpoint_path,
            resume_sha256=res_b.checkpoint_sha256,
        )
    assert res_c.step == res_a.step == res_a.total_steps
    assert res_c.final_train_loss == pytest.approx(res_a.final_train_loss, rel=1e-5)
    want = _adapter(res_a.adapter_path, tmp_path / "want")
    got = _adapter(res_c.adapter_path, tmp_path / "got")
    assert got.keys() == want.keys()
    for k in want:
        # same masters, same AdamW state, same RNG: the same fp32 weights
        torch.testing.assert_close(got[k], want[k], rtol=1e-5, atol=1e-7)


def test_switch_defaults_and_refuses_unknown_values(monkeypatch: pytest.MonkeyPatch) -> None:
    from worker.training.precision import adapter_precision, autocast_dtype

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    monkeypatch.delenv(PRECISION_ENV, raising=False)
    monkeypatch.delenv(AUTOCAST_ENV, raising=False)
    assert (adapter_precision(cpu), adapter_precision(cuda)) == ("fp32", "mixed")
    assert (autocast_dtype(cpu), autocast_dtype(cuda)) == (None, BF16)
    monkeypatch.setenv(PRECISION_ENV, "fp32")
    assert (adapter_precision(cuda), autocast_dtype(cpu)) == ("fp32", None)
    monkeypatch.setenv(PRECISION_ENV, "mixed")
    assert (adapter_precision(cpu), autocast_dtype(cpu)) == ("mixed", BF16)
    monkeypatch.setenv(PRECISION_ENV, "fp16")
    with pytest.raises(ValueError, match="auto, mixed or fp32"):
        adapter_precision(cpu)


# ---- the loop's other paths through the optimizer -------------------------------------------


def test_an_oom_redo_in_mixed_mode_folds_only_the_redone_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Micro-batches folded before an out-of-memory error must not count twice in the redo.
    The redo keeps the budget here (after_oom stubbed), so in bf16 the run must equal a clean
    one; a smaller budget would change the bf16 kernels' blocking and so the last bits."""
    from worker.training import loop as loop_module

    monkeypatch.setenv("LORA_PIPELINE_MICRO_BATCH_TOKENS", "96")  # several passes per step
    with monkeypatch.context() as mp:
        clean, _ = _run(tmp_path, "clean", mp, "mixed")
    real, calls = loop_module.loss_sum, {"n": 0}

    def oom_once(parts: Any, batch: dict[str, Any]) -> torch.Tensor:
        calls["n"] += 1
        if calls["n"] == 7:  # mid-step: earlier micro-batches of the step were folded already
            raise torch.OutOfMemoryError("CUDA out of memory (injected)")
        return real(parts, batch)

    redos: list[int] = []

    def same_sizing(sizing: Any, model: Any, dev: Any, data: Any, step: int, rep: Any) -> Any:
        redos.append(step)
        return sizing

    monkeypatch.setattr(loop_module, "loss_sum", oom_once)
    monkeypatch.setattr(loop_module, "after_oom", same_sizing)
    with monkeypatch.context() as mp:
        res, _ = _run(tmp_path, "oom", mp, "mixed")
    assert len(redos) == 1 and calls["n"] > 7
    assert res.step == clean.step == res.total_steps
    assert res.final_train_loss == pytest.approx(clean.final_train_loss, rel=1e-6)
    want = _adapter(clean.adapter_path, tmp_path / "want")
    got = _adapter(res.adapter_path, tmp_path / "got")
    for k in want:
        assert torch.equal(got[k], want[k]), k


def test_early_stop_in_mixed_mode_keeps_the_best_masters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The early stop keeps and puts back the fp32 masters: the adapter saved is the masters
    of the best validation step (here step 4, made the best by a bonus on its val loss) -- the
    same tensors as a checkpoint written at step 4 -- not the last step's."""
    from worker.training import loop as loop_module

    set_mode(monkeypatch, "mixed")
    data = write_chat_dataset(tmp_path / "train.jsonl")
    config = fast_config(eval_every=2, early_stop_gain_per_dollar=5.0)
    at_4 = run_training(
        config=config,
        dataset_path=data,
        work_dir=tmp_path / "pause",
        reporter=RecordingReporter(stop_at=(4, "pause")),
    )
    assert at_4.step == 4 and at_4.checkpoint_path is not None
    real, calls = loop_module.evaluate, {"n": 0}

    def step_4_is_best(*args: Any, **kw: Any) -> float | None:
        calls["n"] += 1  # validations at steps 0, 2, 4, ...
        loss = real(*args, **kw)
        return None if loss is None else loss - (0.5 if calls["n"] == 3 else 0.0)

    monkeypatch.setattr(loop_module, "evaluate", step_4_is_best)
    rep = RecordingReporter()
    res = run_training(
        config=config,
        dataset_path=data,
        work_dir=tmp_path / "work",
        reporter=rep,
        hourly_rate=100_000.0,  # no improvement is worth its steps: stops at the first chance
    )
    assert res.early_stop is not None and res.early_stop["adapter_step"] == 4 < res.step
    tensors = _adapter(res.adapter_path, tmp_path / "adapter")
    kept = load_checkpoint(at_4.checkpoint_path)["adapter"]
    assert tensors.keys() == kept.keys()
    for k, want in kept.items():
        assert tensors[k].dtype == torch.float32 and torch.equal(tensors[k], want), k
