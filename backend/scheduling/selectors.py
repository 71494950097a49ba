"""Queue read-side (replaced by the queue branch's slot simulation when it lands)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def estimated_starts(now: datetime | None = None) -> dict[Any, datetime]:
    return {}
