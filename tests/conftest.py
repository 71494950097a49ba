"""Fixtures shared by every test: personas and API clients."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from backend.accounts.models import User
from tests.factories import GpuTypeFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def owner(db: None) -> User:
    return UserFactory(username="olivia", first_name="Olivia", last_name="Owner")


@pytest.fixture
def teammate(db: None) -> User:
    return UserFactory(username="tariq", first_name="Tariq", last_name="Teammate")


@pytest.fixture
def manager(db: None) -> User:
    return UserFactory(
        username="maya", first_name="Maya", last_name="Manager", role=User.Role.MANAGER
    )


@pytest.fixture
def h100(db: None) -> Any:
    return GpuTypeFactory()


def _client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def owner_client(owner: User) -> APIClient:
    return _client_for(owner)


@pytest.fixture
def teammate_client(teammate: User) -> APIClient:
    return _client_for(teammate)


@pytest.fixture
def manager_client(manager: User) -> APIClient:
    return _client_for(manager)
