"""Line-by-line validation of JSONL training files.

Two formats: chat (`{"messages": [{"role", "content"}, ...]}` with at least one assistant
turn) and `{"prompt", "completion"}`. Every error names its line so a user can fix the file;
each line goes through the request-parsing layer (backend.common.parsing) first, so a line
that would be refused in a request body is refused here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from backend.common.parsing import dataset_line_loads

ROLES = frozenset({"system", "user", "assistant"})
MAX_REPORTED_ERRORS = 50


@dataclass
class ValidationReport:
    format: str = ""
    num_examples: int = 0
    total_chars: int = 0
    trainable_chars: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0 and self.num_examples > 0

    def add_error(self, line: int | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"line": line, "message": message})


def _check_chat(obj: dict[str, Any]) -> tuple[int, int] | str:
    messages = obj["messages"]
    if not isinstance(messages, list) or not messages:
        return '"messages" must be a non-empty list'
    total = trainable = 0
    for index, msg in enumerate(messages):
        if not isinstance(msg, dict):
            return f"message {index + 1} must be an object"
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            return f"message {index + 1} has role {role!r}; expected system, user or assistant"
        if not isinstance(content, str):
            return f'message {index + 1} needs a string "content"'
        total += len(content)
        if role == "assistant":
            trainable += len(content)
    if not any(m.get("role") == "assistant" and m.get("content") for m in messages):
        return "the conversation has no non-empty assistant message to learn from"
    return total, trainable


def _check_prompt_completion(obj: dict[str, Any]) -> tuple[int, int] | str:
    prompt, completion = obj.get("prompt"), obj.get("completion")
    if not isinstance(prompt, str) or not isinstance(completion, str):
        return '"prompt" and "completion" must both be strings'
    if not completion:
        return '"completion" is empty'
    return len(prompt) + len(completion), len(completion)


def validate_jsonl(lines: Iterable[bytes]) -> ValidationReport:
    report = ValidationReport()
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        # The request-parsing layer's limits (depth, integer size, NaN, NUL, lone surrogates).
        obj, problem = dataset_line_loads(text)
        if problem is not None:
            report.add_error(number, problem)
            continue
        if not isinstance(obj, dict):
            report.add_error(number, "each line must be a JSON object")
            continue
        if "messages" in obj:
            kind, result = "chat", _check_chat(obj)
        elif "prompt" in obj or "completion" in obj:
            kind, result = "prompt_completion", _check_prompt_completion(obj)
        else:
            report.add_error(number, 'expected "messages" or "prompt"/"completion" keys')
            continue
        if isinstance(result, str):
            report.add_error(number, result)
            continue
        if report.format and kind != report.format:
            report.add_error(number, f"mixes formats: file is {report.format}, line is {kind}")
            continue
        report.format = kind
        report.num_examples += 1
        report.total_chars += result[0]
        report.trainable_chars += result[1]
    if report.num_examples == 0 and report.error_count == 0:
        report.add_error(None, "the file holds no examples")
    return report
