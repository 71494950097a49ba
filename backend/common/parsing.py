"""The one request-parsing layer: every JSON body, form field, query value and dataset line
goes through these checks before a serializer, a query or PostgreSQL sees it.

What it refuses, each as a 400 in the one error shape with a message per field:

- JSON nested deeper than `MAX_JSON_DEPTH` (Python's parser would hit its recursion limit long
  before the body limit and answer 500);
- integer literals longer than `MAX_INT_DIGITS` digits (CPython refuses to convert more than
  4300 digits with a ValueError); the serializer fields then bound every value to its column
  (`INT32_MAX` / `INT64_MAX` as `max_value`, or the model field's own range);
- `NaN`, `Infinity` and floats that overflow to infinity (not JSON, and PostgreSQL's JSONB
  refuses them);
- NUL characters and lone UTF-16 surrogates in any string or key (PostgreSQL text cannot hold
  a NUL, and a lone surrogate cannot be encoded as UTF-8).

`dataset_line_parse` applies the same checks to one JSONL line of a dataset and returns the
problem as a message the dataset report puts next to the line number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, ValidationError

MAX_JSON_DEPTH = 32
# Longer integer literals are refused before `int()` runs (CPython itself refuses to convert more
# than 4300 digits, with a ValueError); the serializer fields bound the values to their columns.
MAX_INT_DIGITS = 4000
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

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


def dataset_line_parse(raw: bytes) -> Any:
    """Parse one dataset line (worker.contract.records.check_lines's `parse`): its value, or
    ValueError with the message the report puts next to the line number."""
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


def _reject(exc: InputRejected) -> ValidationError:
    return ValidationError(exc.fields or {"non_field_errors": [exc.message]})


# --- DRF parsers (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]) ------------------------


class SafeJSONParser(parsers.JSONParser):
    """JSON bodies through `loads`: limits and per-field problems answer 400."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET)
        except UnicodeDecodeError as exc:
            raise ParseError(f"The body is not valid UTF-8 ({exc.reason}).") from None
        try:
            return loads(text)
        except InputRejected as exc:
            raise _reject(exc) from None
        except json.JSONDecodeError as exc:
            raise ParseError(f"JSON parse error: {exc}") from None


def check_query_dict(data: QueryDict) -> None:
    """Refuse form fields or query values (and their names) that cannot be stored."""
    problems: dict[str, list[str]] = {}
    for key, values in data.lists():
        if text_problem(key) is not None:
            continue  # not a field name: the serializer drops it unread (see value_problems)
        for value in values:
            problem = text_problem(value) if isinstance(value, str) else None
            if problem is not None:
                problems.setdefault(key, []).append(problem)
    if problems:
        raise ValidationError(problems)


class SafeFormParser(parsers.FormParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        data = super().parse(stream, media_type, parser_context)
        check_query_dict(data)
        return data


class SafeMultiPartParser(parsers.MultiPartParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        result = super().parse(stream, media_type, parser_context)
        check_query_dict(result.data)
        return result


# --- serializer fields ----------------------------------------------------------------------


def strict_string_fields() -> None:
    """Make DRF's CharField (and its subclasses: choice, regex, slug, email...) refuse JSON
    numbers: the schema says string, and `"notes": 0` quietly becoming "0" is a client bug
    that should be told. Form and query values are always text, so only JSON is affected.
    Called once from CommonConfig.ready."""
    if getattr(serializers.CharField, "_lora_strict", False):
        return
    original = serializers.CharField.to_internal_value

    def to_internal_value(self: serializers.CharField, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return original(self, data)

    serializers.CharField.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]
    serializers.CharField._lora_strict = True  # type: ignore[attr-defined]


class SafeJSONField(serializers.JSONField):
    """A JSON document sent as a form field (multipart uploads): parsed through `loads`."""

    def to_internal_value(self, data: Any) -> Any:
        if self.binary or getattr(data, "is_json_string", False):
            if isinstance(data, bytes):
                data = data.decode(errors="replace")
            try:
                return loads(data)
            except InputRejected as exc:
                raise serializers.ValidationError(
                    [
                        f"{k}: {v[0]}" if k != "non_field_errors" else v[0]
                        for k, v in exc.fields.items()
                    ]
                    or [exc.message]
                ) from None
            except json.JSONDecodeError:
                self.fail("invalid")
        return super().to_internal_value(data)


_RFC3339_LEAP_SECOND = re.compile(r"(T\d\d:\d\d):60")


def normalize_rfc3339(value: str) -> str:
    """RFC 3339 allows a lower-case `t`/`z` and a leap second `:60`; Python's parser takes
    neither, so they are made upper-case and the leap second becomes :59."""
    return _RFC3339_LEAP_SECOND.sub(r"\1:59", value.strip().upper())


def _to_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC) if value.tzinfo is not None else value
    except OverflowError:
        raise ValueError("out of range") from None


class Rfc3339DateTimeField(serializers.DateTimeField):
    """A body's date-time: RFC 3339 (as the schema says), any offset, stored in UTC."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                raise serializers.ValidationError(problem)
            value = normalize_rfc3339(value)
        parsed = super().to_internal_value(value)
        try:
            return _to_utc(parsed)
        except ValueError:
            raise serializers.ValidationError("The time is out of range.") from None


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(SafeJSONField):
    """A JSON object sent as a multipart form field (a checkpoint's metrics, a job's result)."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a JSON object.")
        return value


class UtcDateTimeField(forms.DateTimeField):
    """An ISO 8601 time with any UTC offset Python accepts, converted to UTC: PostgreSQL refuses
    offsets beyond ±15:59 (e.g. -17:00), and the year bounds overflow with some offsets."""

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                raise forms.ValidationError(problem)
            value = normalize_rfc3339(value)
        try:
            parsed = super().to_python(value)
        except OverflowError:
            raise forms.ValidationError("The time is out of range.") from None
        if parsed is None:
            return None
        try:
            return _to_utc(parsed)
        except ValueError:
            raise forms.ValidationError("The time is out of range.") from None
