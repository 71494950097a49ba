"""Webhook signatures: HMAC-SHA256 over "<unix timestamp>.<raw body>" with the hook's secret,
sent as `X-Lora-Signature: t=<timestamp>,v1=<hex digest>`.

`verify` is the receiving side (the README shows the same few lines for receivers): it refuses a
bad signature, a timestamp outside the tolerance (a captured request replayed later), and a
delivery id it has already accepted (a replay within the tolerance).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import MutableMapping

SIGNATURE_HEADER = "X-Lora-Signature"
DELIVERY_HEADER = "X-Lora-Delivery"
EVENT_HEADER = "X-Lora-Event"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """The request is not a fresh, authentic delivery."""


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    *,
    secret: str,
    body: bytes,
    header: str,
    delivery_id: str,
    now: float,
    seen: MutableMapping[str, float],
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Accept a delivery or raise SignatureError. `seen` remembers accepted delivery ids (with
    their timestamps) for as long as the tolerance, so each is accepted once."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError) as exc:
        raise SignatureError("malformed signature header") from exc
    expected = sign(secret=secret, body=body, timestamp=timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, received):
        raise SignatureError("signature mismatch")
    if abs(now - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance (stale or replayed)")
    for old in [key for key, at in seen.items() if now - at > tolerance]:
        del seen[old]
    if delivery_id in seen:
        raise SignatureError("delivery already received (replay)")
    seen[delivery_id] = timestamp
