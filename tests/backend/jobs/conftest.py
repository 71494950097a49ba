"""The permission matrix's personas beyond tests/conftest.py: the outsider, and one fixture that
hands out a client per persona name (creator, teammate, manager, outsider, anonymous)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from backend.accounts.services import api_token_create
from tests.factories import UserFactory

PERSONAS = ("creator", "teammate", "manager", "outsider", "anonymous")


@pytest.fixture
def outsider(db: None) -> User:
    """Not (any more) on the team: a deactivated account. Its personal token still exists, so
    requests go through real authentication and are refused there."""
    return UserFactory(username="oscar", first_name="Oscar", last_name="Outsider", is_active=False)


@pytest.fixture
def outsider_client(outsider: User) -> APIClient:
    _, key = api_token_create(user=outsider, name="old laptop")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def persona_client(request: pytest.FixtureRequest) -> Any:
    """`persona_client(name)`: the API client of one persona; the creator is `owner`."""
    fixture = {
        "creator": "owner_client",
        "teammate": "teammate_client",
        "manager": "manager_client",
        "outsider": "outsider_client",
        "anonymous": "anon_client",
    }

    def make(name: str) -> APIClient:
        return request.getfixturevalue(fixture[name])

    return make
