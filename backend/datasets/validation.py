"""The upload check of a JSONL training file, line by line, with the worker's own rules.

The record rules (formats, roles, what counts as an empty reply) are the contract's
(``worker.contract.records``): a file this accepts is one the worker can train on, and every
error names its line so a user can fix the file.
Each line is parsed with the contract's JSON limits (``worker.contract.jsonvalues``, the same the
request-parsing layer applies to bodies), so a line that would be refused in a request body (too
deep, a huge integer, NaN, NUL, a lone surrogate) is a line error here and on the worker too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypedDict

from worker.contract.records import check_lines


class LineError(TypedDict):
    line: int | None
    message: str


@dataclass(frozen=True)
class ValidationReport:
    format: str
    num_examples: int
    total_chars: int
    trainable_chars: int
    errors: list[LineError]
    is_valid: bool


def validate_jsonl(lines: Iterable[bytes]) -> ValidationReport:
    """Check an uploaded file; ``errors`` holds the first errors with their line numbers."""
    check = check_lines(lines)
    return ValidationReport(
        format=check.format,
        num_examples=check.num_examples,
        total_chars=check.total_chars,
        trainable_chars=check.trainable_chars,
        errors=[LineError(line=line, message=message) for line, message in check.errors],
        is_valid=check.is_valid,
    )
