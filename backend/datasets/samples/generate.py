"""Writes the sample datasets that ship with the project (deterministically).

    python -m backend.datasets.samples.generate          # rewrite the .jsonl files
    python -m backend.datasets.samples.generate --check  # fail if they differ from this script

`support_chats.jsonl`: a few hundred chat conversations between a team running LoRA fine-tunes
and the product's assistant: hyperparameters, GPUs, datasets, loss curves, costs and the product's
own features. Answers to numeric questions are computed here, so they are right.

`overlong_prompts.jsonl`: the failure demo. Every line is valid JSON with an assistant reply, so
the API accepts the upload; but each user turn is a pasted training log far longer than the
default 512-token context, so after truncation no assistant token is left and the worker's
preprocessing fails the job with `invalid_dataset`.

`invalid_lines.jsonl`: a file the API refuses at upload (broken JSON, a conversation without an
assistant reply), to show line-numbered validation errors.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from backend.datasets.samples.content import (
    FOLLOW_UPS,
    GPUS,
    MODELS,
    QA,
    SYSTEM_PROMPTS,
)

HERE = Path(__file__).resolve().parent
SEED = 20261129

Message = dict[str, str]
Conversation = list[Message]


def _chat(system: str, *turns: str) -> Conversation:
    messages: Conversation = [{"role": "system", "content": system}]
    for index, text in enumerate(turns):
        messages.append({"role": "user" if index % 2 == 0 else "assistant", "content": text})
    return messages


# --- computed answers ----------------------------------------------------------------------------


def _cost(rng: random.Random) -> tuple[str, str]:
    gpu, _, spot, on_demand = rng.choice(GPUS)
    hours = rng.choice([0.5, 1, 1.5, 2, 3, 4, 6, 8, 12])
    pricing, rate = rng.choice([("spot", spot), ("on-demand", on_demand)])
    cost = hours * rate
    hours_text = f"{hours:g} hour" + ("" if hours == 1 else "s")
    question = rng.choice(
        [
            f"What does a {hours:g}-hour run on one {gpu} cost at the {pricing} price?",
            f"Roughly how much will I pay for {hours_text} on a {pricing} {gpu}?",
            f"Budget check: {hours_text} of training on {gpu} ({pricing}). How much is that?",
        ]
    )
    answer = (
        f"At the {pricing} rate of ${rate:.2f}/h, {hours_text} on one {gpu} comes to about "
        f"${cost:.2f}. Only provisioning and running time is billed; time spent waiting in the "
        "queue is free. The estimate shown before launch adds a ±15% range because the real "
        "step rate is only known once training starts."
    )
    return question, answer


def _alpha(rng: random.Random) -> tuple[str, str]:
    r = rng.choice([4, 8, 16, 32, 64])
    alpha = r * rng.choice([1, 2, 4]) if rng.random() < 0.8 else rng.choice([16, 32])
    scale = alpha / r
    question = rng.choice(
        [
            f"I set lora_r={r} and lora_alpha={alpha}. What scaling does the adapter get?",
            f"With rank {r} and alpha {alpha}, how strongly is the LoRA update scaled?",
        ]
    )
    advice = (
        "That is the common alpha = 2r setting."
        if scale == 2
        else "Many teams keep alpha at 2r so a rank change does not also change the step size."
    )
    answer = (
        f"The LoRA update B·A is multiplied by alpha / r = {alpha} / {r} = {scale:g}. {advice} "
        "If you raise the rank but keep alpha fixed, the effective learning rate of the adapter "
        "drops, so retune the learning rate too."
    )
    return question, answer


def _params(rng: random.Random) -> tuple[str, str]:
    name, hidden, layers, total = rng.choice(MODELS)
    r = rng.choice([8, 16, 32, 64])
    # q, k, v, o treated as hidden x hidden (grouped-query models have smaller k/v, so this is
    # an upper bound, which the answer says).
    per_layer = 4 * r * (hidden + hidden)
    trainable = per_layer * layers
    pct = 100 * trainable / total
    question = rng.choice(
        [
            f"How many trainable parameters does LoRA r={r} on q/k/v/o add to {name}?",
            f"Rank {r} on the attention projections of {name}: how big is the adapter?",
        ]
    )
    answer = (
        f"{name} has hidden size {hidden} and {layers} layers. Each adapted projection adds "
        f"r x (in + out) = {r} x {2 * hidden:,} parameters, so four projections add {per_layer:,} "
        f"per layer and about {trainable / 1e6:.1f}M in total, {pct:.2f}% of the model. "
        "Models with grouped-query attention have smaller k/v projections, so the real number "
        "is a little lower; the job page shows the exact count after model loading."
    )
    return question, answer


def _steps(rng: random.Random) -> tuple[str, str]:
    n = rng.choice([800, 1200, 2500, 5000, 12000, 40000])
    batch = rng.choice([4, 8, 16, 32])
    accum = rng.choice([1, 2, 4])
    epochs = rng.choice([1, 2, 3, 4])
    per_epoch = math.ceil(n / (batch * accum))
    question = rng.choice(
        [
            f"{n:,} examples, batch size {batch}, gradient accumulation {accum}, {epochs} "
            "epochs: how many optimizer steps is that?",
            f"How many steps will my job run? {n:,} conversations, batch {batch}, "
            f"accumulation {accum}, {epochs} epoch{'s' if epochs > 1 else ''}.",
        ]
    )
    answer = (
        f"One optimizer step sees {batch} x {accum} = {batch * accum} examples, so an epoch is "
        f"ceil({n:,} / {batch * accum}) = {per_epoch:,} steps and the job about "
        f"{per_epoch * epochs:,} steps. With sequence packing several short conversations share "
        "a row, so the real count is usually lower; Preprocessing reports the exact total."
    )
    return question, answer


def _duration(rng: random.Random) -> tuple[str, str]:
    millions = rng.choice([5, 12, 25, 60, 120, 300])
    tps = rng.choice([1500, 3000, 6000, 12000, 25000])
    seconds = millions * 1e6 / tps
    hours = seconds / 3600
    question = rng.choice(
        [
            f"My job has {millions}M training tokens and runs at {tps:,} tokens/s. How long?",
            f"At {tps:,} tokens per second, how long do {millions} million tokens take?",
        ]
    )
    when = f"{hours:.1f} hours" if hours >= 1 else f"{seconds / 60:.0f} minutes"
    answer = (
        f"{millions:,}M / {tps:,} tokens/s is about {seconds:,.0f} seconds, roughly {when} of "
        "training, plus a few minutes for preprocessing and model loading. The remaining-time "
        "figure on the job page uses the measured step rate, so it settles after the first "
        "logging intervals."
    )
    return question, answer


def _fits(rng: random.Random) -> tuple[str, str]:
    gpu, memory, _, _ = rng.choice(GPUS)
    billions = rng.choice([0.135, 1.7, 3, 7, 8, 13, 34, 70])
    weights = billions * 2  # bf16: two bytes per parameter
    size = f"{billions * 1000:.0f}M" if billions < 1 else f"{billions:g}B"
    question = rng.choice(
        [
            f"Will a {size} model fit for LoRA training on a {gpu} ({memory} GB)?",
            f"Can I LoRA fine-tune a {size} model on one {gpu}?",
        ]
    )
    head = f"In bf16 the frozen weights of a {size} model take about {weights:.1f} GB."
    if weights < memory * 0.6:
        verdict = (
            f" That leaves room on a {memory} GB {gpu} for activations and the small adapter "
            "and optimizer state, so it fits; start with batch size 8 and raise it while memory "
            "stays under about 90%."
        )
    elif weights < memory:
        verdict = (
            f" That fits on a {memory} GB {gpu}, but activations are tight: use a small batch "
            "with gradient accumulation and a shorter max_seq_len, or pick a larger GPU."
        )
    else:
        verdict = (
            f" That is more than the {memory} GB of a {gpu}, so it will not fit in bf16. Pick a "
            "larger GPU or load the base model quantized (QLoRA-style) if your setup supports it."
        )
    return question, head + verdict


def _effective_batch(rng: random.Random) -> tuple[str, str]:
    target = rng.choice([32, 64, 128])
    batch = rng.choice([2, 4, 8, 16])
    accum = target // batch
    question = rng.choice(
        [
            f"I want an effective batch of {target} but only batch {batch} fits. What do I set?",
            f"Memory allows batch size {batch}; how do I train as if the batch were {target}?",
        ]
    )
    answer = (
        f"Set grad_accum_steps to {target} / {batch} = {accum}. Gradients from {accum} "
        f"micro-batches of {batch} are summed before each optimizer step, which behaves like a "
        f"batch of {target} at the same memory cost. Each step takes about {accum} times longer, "
        "so the step count per epoch drops by the same factor."
    )
    return question, answer


COMPUTED = (_cost, _alpha, _params, _steps, _duration, _fits, _effective_batch)


# --- assembly -------------------------------------------------------------------------------------


def support_chats() -> list[Conversation]:
    rng = random.Random(SEED)
    conversations: list[Conversation] = []
    # Every paraphrase of every hand-written question, each with one of the system prompts.
    for questions, answer in QA:
        for question in questions:
            conversations.append(_chat(rng.choice(SYSTEM_PROMPTS), question, answer))
    # Computed questions: fresh numbers each time, each question asked once.
    seen: set[str] = set()
    index = 0
    while len(seen) < 182:
        question, answer = COMPUTED[index % len(COMPUTED)](rng)
        index += 1
        if question not in seen:
            seen.add(question)
            conversations.append(_chat(rng.choice(SYSTEM_PROMPTS), question, answer))
    # Two-turn conversations: a question, then a natural follow-up.
    for first_index, follow_question, follow_answer in FOLLOW_UPS:
        questions, answer = QA[first_index]
        conversations.append(
            _chat(
                rng.choice(SYSTEM_PROMPTS),
                rng.choice(questions),
                answer,
                follow_question,
                follow_answer,
            )
        )
    rng.shuffle(conversations)
    return conversations


_LOG_LINE = (
    "step {step:>5} | epoch {epoch:.2f} | train_loss {loss:.4f} | lr {lr:.2e} | "
    "grad_norm {gn:.3f} | tokens/s {tps:,} | gpu_mem {mem:.1f} GB"
)


def _pasted_log(rng: random.Random, lines: int) -> str:
    loss = rng.uniform(2.2, 2.8)
    rows = []
    for index in range(lines):
        step = (index + 1) * 10
        loss = max(0.4, loss * rng.uniform(0.965, 1.01))
        rows.append(
            _LOG_LINE.format(
                step=step,
                epoch=step / 400,
                loss=loss,
                lr=2e-4 * min(1.0, step / 40),
                gn=rng.uniform(0.3, 1.4),
                tps=rng.randrange(5200, 6400),
                mem=rng.uniform(31.0, 33.5),
            )
        )
    return "\n".join(rows)


def overlong_prompts() -> list[Conversation]:
    rng = random.Random(SEED + 1)
    asks = [
        "Here is my full training log. Is this loss curve healthy?",
        "Pasting the whole log from last night's run. Should I stop it early?",
        "Full log below. Why does the loss flatten after a while?",
        "This is everything the trainer printed. Is my learning rate too high?",
        "Log from our support-bot fine-tune, complete. Anything worrying?",
        "Whole run log follows. Would more epochs help?",
    ]
    replies = [
        "The loss falls steadily and the gradient norm stays below 1.5, so the run is healthy. "
        "Compare with the validation loss before deciding to stop.",
        "Nothing here suggests stopping: loss is still decreasing. Stop early only if the "
        "validation loss starts rising while the train loss keeps falling.",
        "A flattening curve after warmup is normal as the cosine schedule lowers the learning "
        "rate. Look at the validation loss to see whether the model still improves.",
        "The learning rate looks fine: no spikes and a stable gradient norm. A too-high rate "
        "shows up as jumps in loss or NaN.",
    ]
    conversations = []
    for index in range(12):
        # ~35 log lines of ~115 bytes: about 4 KB, far past a 512-token context with any
        # tokenizer (SmolLM2's averages ~3.8 characters per token on such text).
        prompt = f"{rng.choice(asks)}\n\n{_pasted_log(rng, 35)}"
        conversations.append(
            _chat(
                SYSTEM_PROMPTS[index % len(SYSTEM_PROMPTS)], prompt, replies[index % len(replies)]
            )
        )
    return conversations


def invalid_lines() -> list[str]:
    good = _chat(SYSTEM_PROMPTS[0], QA[0][0][0], QA[0][1])
    no_answer = _chat(SYSTEM_PROMPTS[0], "What rank should I use for a 7B model?")
    return [
        json.dumps({"messages": good}, ensure_ascii=False),
        json.dumps({"messages": good}, ensure_ascii=False)[:-7],  # cut off mid-line
        json.dumps({"messages": no_answer}, ensure_ascii=False),
        json.dumps({"prompt": "What is LoRA?"}, ensure_ascii=False),
    ]


def _jsonl(conversations: list[Conversation]) -> str:
    return "".join(json.dumps({"messages": c}, ensure_ascii=False) + "\n" for c in conversations)


def files() -> Iterator[tuple[Path, str]]:
    yield HERE / "support_chats.jsonl", _jsonl(support_chats())
    yield HERE / "overlong_prompts.jsonl", _jsonl(overlong_prompts())
    yield HERE / "invalid_lines.jsonl", "".join(line + "\n" for line in invalid_lines())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in files():
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parents[2])} ({text.count(chr(10))} lines)")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python -m backend.datasets.samples.generate")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
