"""Session sign-in with CSRF for the SPA, and tokens for API clients."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_session_login_requires_csrf_and_then_works(owner: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    no_csrf = client.post(
        "/api/auth/login", {"username": "olivia", "password": "correct horse battery"}
    )
    assert no_csrf.status_code == 403

    assert client.get("/api/auth/csrf").status_code == 204
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/auth/login",
        {"username": "olivia", "password": "correct horse battery"},
        HTTP_X_CSRFTOKEN=token,
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": owner.pk,
        "username": "olivia",
        "display_name": "Olivia Owner",
        "email": "olivia@example.com",
        "is_manager": False,
    }
    assert client.get("/api/auth/me").json()["username"] == "olivia"

    # Unsafe requests of a signed-in session need the CSRF header too.
    token = client.cookies["csrftoken"].value
    assert client.post("/api/auth/logout").status_code == 403
    assert client.post("/api/auth/logout", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert client.get("/api/auth/me").status_code in (401, 403)


def test_wrong_password_is_a_field_error(owner: Any) -> None:
    response = APIClient().post("/api/auth/login", {"username": "olivia", "password": "nope"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["password"] == ["Wrong username or password."]


def test_token_auth_for_api_clients(owner: Any, manager: Any) -> None:
    client = APIClient()
    token = client.post(
        "/api/auth/token", {"username": "maya", "password": "correct horse battery"}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/auth/me").json()
    assert me["username"] == "maya" and me["is_manager"] is True
    assert client.get("/api/training/jobs").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/training/jobs").status_code in (401, 403)
