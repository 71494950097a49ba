"""The dataset record rules: what one JSONL line of a training file must be.

Two formats, never mixed within a file:

* chat: ``{"messages": [{"role": "system"|"user"|"assistant", "content": str}, ...]}`` with at
  least one assistant message that is not only whitespace;
* prompt_completion: ``{"prompt": str, "completion": str}``, the completion not only whitespace.

Blank lines are skipped but keep their number, so every error names the line to fix. The upload
check (``backend.datasets.validation``) and the worker's loader (``worker.training.data``) both
run ``check_lines``, so a file the upload accepts is a file the worker can train on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from worker.contract.jsonvalues import InputRejected, loads

ROLES: tuple[str, ...] = ("system", "user", "assistant")
CHAT = "chat"
PROMPT_COMPLETION = "prompt_completion"
# How many line errors a report lists (all are counted).
MAX_REPORTED_ERRORS = 50
EMPTY_FILE = "the file is empty: it holds no examples"


@dataclass(frozen=True)
class RecordSummary:
    """A valid record: its format and its characters (all, and those trained on)."""

    format: str
    total_chars: int
    trainable_chars: int


def check_record(obj: Any) -> RecordSummary | str:
    """A parsed JSON line's summary, or the message saying what is wrong with it."""
    if not isinstance(obj, dict):
        return "expected a JSON object"
    if "messages" in obj:
        return _check_chat(obj["messages"])
    if "prompt" in obj or "completion" in obj:
        prompt, completion = obj.get("prompt"), obj.get("completion")
        if not isinstance(prompt, str):
            return "'prompt' must be a string"
        if not isinstance(completion, str) or not completion.strip():
            return "'completion' must be a non-empty string"
        return RecordSummary(PROMPT_COMPLETION, len(prompt) + len(completion), len(completion))
    return "expected 'messages' (chat) or 'prompt' and 'completion'"


def _check_chat(messages: Any) -> RecordSummary | str:
    if not isinstance(messages, list) or not messages:
        return "'messages' must be a non-empty list"
    total = trainable = 0
    for number, msg in enumerate(messages, start=1):
        if not isinstance(msg, dict):
            return f"message {number} must be an object"
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            return f"message {number}: role must be one of system, user, assistant (got {role!r})"
        if not isinstance(content, str):
            return f"message {number}: content must be a string"
        total += len(content)
        if role == "assistant":
            trainable += len(content)
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        return "the conversation has no assistant message with content to learn from"
    return RecordSummary(CHAT, total, trainable)


def parse_line(raw: bytes) -> Any:
    """The JSON value of one line, held to the contract's JSON limits (``jsonvalues``: depth,
    integer digits, finite numbers, no NUL or lone surrogate); ValueError with the message the
    report puts next to the line number otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    try:
        return loads(text)
    except InputRejected as exc:
        if exc.fields:
            first = sorted(exc.fields)[0]
            where = "" if first == "non_field_errors" else f"{first}: "
            raise ValueError(f"{where}{exc.fields[first][0]}") from None
        raise ValueError(exc.message) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg} (column {exc.colno})") from None


@dataclass
class DatasetCheck:
    """What checking a whole file found. ``errors`` lists the first MAX_REPORTED_ERRORS
    (line, message) pairs; line is None for the file as a whole."""

    format: str = ""
    num_examples: int = 0
    total_chars: int = 0
    trainable_chars: int = 0
    errors: list[tuple[int | None, str]] = field(default_factory=list)
    error_count: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0 and self.num_examples > 0

    def add_error(self, line: int | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append((line, message))


def check_lines(
    lines: Iterable[bytes],
    *,
    on_record: Callable[[int, dict[str, Any]], None] | None = None,
) -> DatasetCheck:
    """Check every line of a JSONL file (each parsed by ``parse_line``); ``on_record(line, obj)``
    receives each valid record."""
    report = DatasetCheck()
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = parse_line(raw)
        except ValueError as exc:
            report.add_error(number, str(exc))
            continue
        result = check_record(obj)
        if isinstance(result, str):
            report.add_error(number, result)
            continue
        if report.format and result.format != report.format:
            report.add_error(
                number, f"mixes formats: the file is {report.format}, this line {result.format}"
            )
            continue
        report.format = result.format
        report.num_examples += 1
        report.total_chars += result.total_chars
        report.trainable_chars += result.trainable_chars
        if on_record is not None:
            on_record(number, obj)
    if report.num_examples == 0 and report.error_count == 0:
        report.add_error(None, EMPTY_FILE)
    return report
