"""Worker request serializers build their fields once per class, and stay correct per request."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from rest_framework import serializers

from backend.workerapi.serializers import (
    EventsRequestSerializer,
    HeartbeatRequestSerializer,
    MetricsRequestSerializer,
)


def _report(step: int) -> dict[str, Any]:
    return {"attempt": 1, "fence": 7, "points": [{"step": step, "train_loss": 1.0 / step}]}


def test_every_request_shares_one_set_of_fields_bound_to_a_data_less_template() -> None:
    first = MetricsRequestSerializer(data=_report(1))
    second = MetricsRequestSerializer(data=_report(2))

    assert first.fields["points"] is second.fields["points"]
    template = first.fields["points"].root
    assert template is not first and template is not second
    assert not hasattr(template, "initial_data")
    # Subclasses of one base keep their own fields.
    heartbeat = HeartbeatRequestSerializer(data={})
    assert set(heartbeat.fields) == {"attempt", "fence", "progress", "substatus"}
    assert heartbeat.fields["attempt"] is not first.fields["attempt"]


def test_a_report_after_the_first_constructs_no_field(monkeypatch: pytest.MonkeyPatch) -> None:
    MetricsRequestSerializer(data=_report(1)).is_valid(raise_exception=True)
    built: list[type] = []
    original = serializers.Field.__new__

    def counting_new(cls: type, *args: Any, **kwargs: Any) -> Any:
        built.append(cls)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(serializers.Field, "__new__", staticmethod(counting_new))
    serializer = MetricsRequestSerializer(data=_report(2))
    serializer.is_valid(raise_exception=True)

    assert serializer.validated_data["points"][0]["step"] == 2
    # The serializer itself is the only new object; before, 16 fields were built per report.
    assert built == [MetricsRequestSerializer]


def test_concurrent_requests_keep_their_own_data_and_errors() -> None:
    """Valid and invalid bodies validated at once on shared fields: each gets its own result."""

    def validate(n: int) -> tuple[int, Any]:
        if n % 3 == 0:
            body: dict[str, Any] = {
                "attempt": "x",
                "fence": 7,
                "events": [{"seq": 0, "type": "info", "message": "m"}],
            }
        else:
            body = {
                "attempt": n,
                "fence": 7,
                "events": [{"seq": n, "type": "warning", "message": f"note {n}"}],
            }
        serializer = EventsRequestSerializer(data=body)
        if serializer.is_valid():
            return n, serializer.validated_data
        return n, serializer.errors

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(validate, range(1, 601)))

    for n, result in results:
        if n % 3 == 0:
            assert set(result) == {"attempt", "events"}
            assert result["events"] == {
                0: {"seq": ["Ensure this value is greater than or equal to 1."]}
            }
        else:
            assert result["attempt"] == n
            assert result["events"][0]["seq"] == n
            assert result["events"][0]["message"] == f"note {n}"
            assert result["events"][0]["payload"] == {}
    # The default payload is a fresh dict per event, never one shared object.
    payloads = [r["events"][0]["payload"] for n, r in results if n % 3]
    assert len({id(p) for p in payloads}) == len(payloads)
