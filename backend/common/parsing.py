"""The one request-parsing layer: every JSON body, form field and query value goes through
these checks before a serializer, a query or PostgreSQL sees it.

The JSON limits themselves (depth, integer digits, non-finite numbers, NUL and lone surrogates)
are the contract's (`worker.contract.jsonvalues`), so a dataset line is held to the same rules at
upload and on the worker (`worker.contract.records.parse_line`). Here they become a 400 in the one
error shape with a message per field; the serializer fields then bound every integer to its
column (`INT32_MAX` / `INT64_MAX` as `max_value`, or the model field's own range).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError, ValidationError

from worker.contract.jsonvalues import InputRejected, loads, text_problem

# Integer columns: the serializer fields bound every value to its column with these.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


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


class _CheckedFields(parsers.BaseParser):
    """A form or multipart parser whose fields go through `check_query_dict`."""

    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        result = super().parse(stream, media_type, parser_context)
        # FormParser returns the QueryDict, MultiPartParser the fields beside the files.
        fields = result.data if isinstance(result, parsers.DataAndFiles) else result
        check_query_dict(cast(QueryDict, fields))
        return result


class SafeFormParser(_CheckedFields, parsers.FormParser):
    """URL-encoded forms, with `check_query_dict`."""


class SafeMultiPartParser(_CheckedFields, parsers.MultiPartParser):
    """Multipart uploads (their form fields), with `check_query_dict`."""


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
