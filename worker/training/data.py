"""Dataset loading, validation and tokenization with assistant-only loss masks.

The accepted JSONL records (chat or prompt/completion, one JSON object per line, blank lines
ignored) are the contract's (``worker.contract.records``), the same rules the upload check
applies, so a file the API accepted is never refused here for a rule of the worker's own.

Only assistant / completion tokens (plus the end-of-turn token that closes them, so the model
learns to stop) are trained on; everything else is masked out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from worker.contract.records import check_lines


class DatasetError(Exception):
    """Invalid dataset. ``line`` is 1-based (0 = the file as a whole); ``errors`` lists up to
    MAX_REPORTED_ERRORS (line, message) pairs, the first being ``line``/``message``."""

    def __init__(
        self,
        *,
        line: int,
        message: str,
        errors: list[tuple[int, str]] | None = None,
        total: int | None = None,
    ) -> None:
        self.line = line
        self.message = message
        self.errors = errors or [(line, message)]
        self.total = max(total or 0, len(self.errors))  # all bad lines, not only those listed
        text = f"line {line}: {message}" if line > 0 else message
        if self.total > 1:
            text += f" (and {self.total - 1} more errors)"
        super().__init__(text)


@dataclass(frozen=True)
class Record:
    """One validated JSONL line."""

    line: int
    messages: tuple[tuple[str, str], ...] = ()
    prompt: str | None = None
    completion: str | None = None


@dataclass
class Example:
    """A tokenized record. ``target[i]`` says whether token i is predicted with loss."""

    input_ids: list[int]
    target: list[bool]
    line: int

    @property
    def n_trainable(self) -> int:
        """Tokens that contribute to the loss (the first token is never predicted)."""
        return sum(self.target[1:])


@dataclass
class TokenizeStats:
    """What tokenization did to the dataset, for events and the API."""

    examples: int = 0
    truncated: int = 0
    # File line numbers (the examples' ids) of the truncated and of the dropped examples.
    truncated_lines: list[int] = field(default_factory=list)
    dropped_no_target: list[int] = field(default_factory=list)

    def warning_payload(self, max_seq_len: int, examples: int = 10) -> dict[str, Any]:
        """The truncation warning's payload: the counts, the context length, and the first
        `examples` line numbers of each kind so a reader can open the file at them."""
        return {
            "truncated": self.truncated,
            "dropped": len(self.dropped_no_target),
            "max_seq_len": max_seq_len,
            "truncated_lines": self.truncated_lines[:examples],
            "dropped_lines": self.dropped_no_target[:examples],
        }


def load_records(path: Path | str) -> list[Record]:
    """Read and check a JSONL file; raise DatasetError with line numbers on any problem."""
    records: list[Record] = []
    with open(path, "rb") as fh:
        check = check_lines(fh, on_record=lambda line, obj: records.append(_to_record(line, obj)))
    if check.errors:
        line, message = check.errors[0]
        raise DatasetError(
            line=line or 0,
            message=message,
            errors=[(ln or 0, msg) for ln, msg in check.errors],
            total=check.error_count,
        )
    return records


def _to_record(line: int, obj: dict[str, Any]) -> Record:
    if "messages" in obj:
        msgs = tuple((m["role"], m["content"]) for m in obj["messages"])
        return Record(line=line, messages=msgs)
    return Record(line=line, prompt=obj["prompt"], completion=obj["completion"])


def render(record: Record, tokenizer: Any) -> tuple[str, list[tuple[int, int]], bool]:
    """Text of a record, the character spans to train on, and whether to add EOS after it.

    Chat records go through the tokenizer's chat template; the assistant contents are then found
    in the rendered text in order, which works for any template that copies contents verbatim.
    """
    if record.prompt is not None and record.completion is not None:
        start = len(record.prompt)
        return record.prompt + record.completion, [(start, start + len(record.completion))], True
    messages = [{"role": r, "content": c} for r, c in record.messages]
    if getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(messages, tokenize=False)
    else:
        eos = tokenizer.eos_token or ""
        text = "".join(f"{r}: {c}{eos if r == 'assistant' else ''}\n" for r, c in record.messages)
    spans: list[tuple[int, int]] = []
    pos = 0
    for role, content in record.messages:
        needle = content if content in text[pos:] else content.strip()
        idx = text.find(needle, pos)
        if idx < 0:
            raise DatasetError(
                line=record.line, message=f"chat template dropped the {role} message content"
            )
        if role == "assistant" and needle:
            spans.append((idx, idx + len(needle)))
        pos = idx + len(needle)
    return text, spans, False


def tokenize_records(
    records: list[Record], tokenizer: Any, *, max_seq_len: int, batch: int = 256
) -> tuple[list[Example], TokenizeStats]:
    """Tokenize records (batched, fast tokenizer offsets) into Examples.

    A token is a target when its characters overlap an assistant/completion span, or when it is
    the special token right after one (``<|im_end|>``/EOS closes the turn). Examples longer than
    ``max_seq_len`` are truncated; ones left without any target are dropped and reported.
    """
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    eos_id = tokenizer.eos_token_id
    stats = TokenizeStats()
    examples: list[Example] = []
    for start in range(0, len(records), batch):
        chunk = records[start : start + batch]
        rendered = [render(r, tokenizer) for r in chunk]
        enc = tokenizer(
            [t for t, _, _ in rendered], add_special_tokens=False, return_offsets_mapping=True
        )
        for rec, (_, spans, add_eos), ids, offsets in zip(
            chunk, rendered, enc["input_ids"], enc["offset_mapping"], strict=True
        ):
            target = _target_mask(ids, offsets, spans, special)
            ids = list(ids)
            if add_eos and eos_id is not None:
                ids.append(eos_id)
                target.append(True)
            if len(ids) > max_seq_len:
                stats.truncated += 1
                stats.truncated_lines.append(rec.line)
                ids, target = ids[:max_seq_len], target[:max_seq_len]
            ex = Example(input_ids=ids, target=target, line=rec.line)
            if ex.n_trainable == 0:
                stats.dropped_no_target.append(rec.line)
                continue
            examples.append(ex)
    stats.examples = len(examples)
    return examples, stats


def _target_mask(
    ids: list[int], offsets: list[tuple[int, int]], spans: list[tuple[int, int]], special: set[int]
) -> list[bool]:
    target = [False] * len(ids)
    j = 0
    for i, (s, e) in enumerate(offsets):
        while j < len(spans) and spans[j][1] <= s:
            j += 1
        if j < len(spans) and s < spans[j][1] and e > spans[j][0] and e > s:
            target[i] = True
        elif i > 0 and target[i - 1] and ids[i] in special:
            target[i] = True  # the end-of-turn token right after an assistant message
    return target


def split_train_val(
    examples: list[Example], *, val_fraction: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Deterministic split: a seeded permutation picks ceil(fraction * n) validation examples
    (at least one when fraction > 0 and n >= 2); both sides keep file order."""
    n = len(examples)
    if val_fraction <= 0 or n < 2:
        return list(examples), []
    n_val = min(n - 1, max(1, int(np.ceil(n * val_fraction))))
    perm = np.random.default_rng([seed, 7919]).permutation(n)
    val_idx = set(int(i) for i in perm[:n_val])
    train = [ex for i, ex in enumerate(examples) if i not in val_idx]
    val = [ex for i, ex in enumerate(examples) if i in val_idx]
    return train, val
