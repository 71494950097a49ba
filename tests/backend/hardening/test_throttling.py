"""Sign-in back-off and lockout per IP and per user name, and the per-user API rate."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts import services
from backend.accounts.throttles import UserRateThrottle

pytestmark = pytest.mark.django_db
RIGHT = {"username": "olivia", "password": "correct horse battery"}
WRONG = {"username": "olivia", "password": "nope"}


def _client(ip: str) -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


@pytest.mark.parametrize("url", ["/api/auth/token", "/api/auth/login"])
def test_repeated_failed_sign_ins_lock_the_name_with_retry_after(owner: Any, url: str) -> None:
    client = _client("10.0.0.1")
    for _ in range(services.FAILURES_BEFORE_LOCK):
        assert client.post(url, WRONG).status_code == 400
    # Locked: even the right password is refused, before it is checked.
    response = client.post(url, RIGHT)
    assert response.status_code == 429
    assert int(response["Retry-After"]) == services.LOCK_BASE_SECONDS
    assert response.json()["error"]["code"] == "throttled"
    # Per user name: another address is refused for this name too...
    assert _client("10.0.0.2").post(url, RIGHT).status_code == 429
    # ...but not for another name.
    assert _client("10.0.0.2").post(url, {**RIGHT, "username": "tariq"}).status_code == 400


def test_the_lock_doubles_with_each_further_failure(owner: Any) -> None:
    for _ in range(services.FAILURES_BEFORE_LOCK + 2):
        services.sign_in_failure_record(ip="10.0.0.9", username="olivia")
    remaining = services.sign_in_lock_remaining(ip="10.0.0.3", username="olivia")
    assert 4 * services.LOCK_BASE_SECONDS - 2 < remaining <= 4 * services.LOCK_BASE_SECONDS


def test_sign_in_is_rate_limited_per_ip(owner: Any, settings: Any) -> None:
    client = _client("10.0.0.4")
    statuses = [
        client.post("/api/auth/token", {"username": f"u{i}", "password": "x"}).status_code
        for i in range(31)
    ]
    # Five failures lock the IP itself, whatever the names.
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}


def test_forwarded_for_does_not_dodge_the_ip_limit(owner: Any) -> None:
    for i in range(services.FAILURES_BEFORE_LOCK):
        body = {"username": f"n{i}", "password": "x"}
        _client("10.0.0.5").post("/api/auth/token", body, HTTP_X_FORWARDED_FOR=f"1.1.1.{i}")
    response = _client("10.0.0.5").post(
        "/api/auth/token", {"username": "zz", "password": "x"}, HTTP_X_FORWARDED_FOR="9.9.9.9"
    )
    assert response.status_code == 429


def test_a_successful_sign_in_clears_the_names_failures(owner: Any) -> None:
    client = _client("10.0.0.6")
    for _ in range(services.FAILURES_BEFORE_LOCK - 1):
        client.post("/api/auth/token", WRONG)
    assert _client("10.0.0.7").post("/api/auth/token", RIGHT).status_code == 200
    assert _client("10.0.0.8").post("/api/auth/token", WRONG).status_code == 400


def test_per_user_api_rate(owner_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "3/min")
    statuses = [owner_client.get("/api/training/gpu-types").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_user_rate_slides_instead_of_resetting_at_a_window_boundary(
    owner_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "4/min")
    clock = {"now": 6000.0}  # the start of a 60 s window
    monkeypatch.setattr(UserRateThrottle, "timer", lambda self: clock["now"])

    def statuses(n: int) -> list[int]:
        return [owner_client.get("/api/training/gpu-types").status_code for _ in range(n)]

    assert statuses(5) == [200, 200, 200, 200, 429]
    # 40 s into the next window a third of the previous one still counts (4 / 3): three more
    # fit, not a fresh four.
    clock["now"] = 6000.0 + 60 + 40
    assert statuses(4) == [200, 200, 200, 429]
    # The fourth fits once the previous window's share is below 1: at 45 s.
    assert int(owner_client.get("/api/training/gpu-types")["Retry-After"]) == 5


@pytest.mark.parametrize(
    ("elapsed", "current", "previous", "expected"),
    [
        (0.0, 0, 0, 0.0),
        (30.0, 1, 4, 0.0),  # 4 * 0.5 + 1 = 3 < 4
        (20.0, 2, 4, 10.0),  # 4 * (2/3) + 2 >= 4; 4 * w + 2 < 4 once w < 0.5, at 30 s
        (10.0, 4, 0, 50.0),  # full: next window, which starts with all 4 carried over
        (10.0, 8, 0, 50.0 + 30.0),  # twice over: half the next window too
    ],
)
def test_window_wait(elapsed: float, current: int, previous: int, expected: float) -> None:
    from backend.accounts.throttles import window_wait

    wait = window_wait(limit=4, duration=60, elapsed=elapsed, current=current, previous=previous)
    assert wait == pytest.approx(expected)


def test_a_zero_rate_refuses_until_the_window_ends() -> None:
    from backend.accounts.throttles import window_wait

    assert window_wait(limit=0, duration=60, elapsed=20, current=0, previous=0) == 40
