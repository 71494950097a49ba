"""The limits of a JSON value both sides accept: the API's request bodies and form fields
(``backend.common.parsing``) and every dataset line (``records.parse_line``, at upload and
again on the worker) go through ``loads``.

What it refuses, each with a message per field path:

- JSON nested deeper than `MAX_JSON_DEPTH` (Python's parser would hit its recursion limit);
- integer literals longer than `MAX_INT_DIGITS` digits (CPython refuses to convert more than
  4300 digits, with a ValueError whose message speaks of Python, not of the input);
- `NaN`, `Infinity` and floats that overflow to infinity (not JSON, and PostgreSQL's JSONB
  refuses them);
- NUL characters and lone UTF-16 surrogates in any string or key (PostgreSQL text cannot hold
  a NUL, and a lone surrogate cannot be encoded as UTF-8).
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 32
# Longer integer literals are refused before `int()` runs (CPython itself refuses to convert more
# than 4300 digits, with a ValueError).
MAX_INT_DIGITS = 4000

_SURROGATE = re.compile("[\ud800-\udfff]")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InputRejected(ValueError):
    """A body or value the parsing layer refuses; `fields` maps a field path to its messages."""

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored, or None when it can."""
    if "\x00" in value:
        return "NUL characters are not allowed."
    if _SURROGATE.search(value):
        return "Invalid Unicode: a lone surrogate code point."
    return None


def _join(prefix: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def value_problems(value: Any, *, max_depth: int = MAX_JSON_DEPTH) -> dict[str, list[str]]:
    """Walk a parsed JSON value (iteratively: a deep value must not recurse) and return the
    problems by field path, e.g. {"metadata.team": ["NUL characters are not allowed."]}."""
    problems: dict[str, list[str]] = {}
    stack: list[tuple[str, Any, int]] = [("", value, 0)]
    while stack:
        path, item, depth = stack.pop()
        name = path or "non_field_errors"
        if isinstance(item, dict | list) and depth >= max_depth:
            problems.setdefault(name, []).append(
                f"Nested too deeply (at most {max_depth} levels of objects and arrays)."
            )
            continue
        if isinstance(item, dict):
            for key, sub in item.items():
                key_text = str(key)
                if depth == 0 and not _FIELD_NAME.match(key_text):
                    # A top-level key is a serializer field or dropped with its value as
                    # unknown; every field name is an identifier, so this one is dropped unread.
                    continue
                child = _join(path, key_text if text_problem(key_text) is None else "<key>")
                problem = text_problem(key_text)
                if problem is not None:
                    problems.setdefault(child, []).append(f"Key: {problem}")
                    continue
                stack.append((child, sub, depth + 1))
        elif isinstance(item, list):
            for index, sub in enumerate(item):
                stack.append((_join(path, index), sub, depth + 1))
        elif isinstance(item, str):
            problem = text_problem(item)
            if problem is not None:
                problems.setdefault(name, []).append(problem)
    return problems


def _parse_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise InputRejected(f"An integer has more than {MAX_INT_DIGITS} digits.")
    return int(literal)


def _parse_float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise InputRejected(f"A number is too large: {literal[:40]}.")
    return value


def _parse_constant(literal: str) -> float:
    raise InputRejected(f"{literal} is not a JSON number.")


def loads(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` with the limits above; raises InputRejected (or json.JSONDecodeError for
    text that is not JSON at all)."""
    try:
        value = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except RecursionError:
        raise InputRejected(
            f"Nested too deeply (at most {max_depth} levels of objects and arrays)."
        ) from None
    problems = value_problems(value, max_depth=max_depth)
    if problems:
        raise InputRejected("Some fields are invalid.", problems)
    return value
