"""Fixtures shared by every test: personas, API clients, and a live fleet of workers."""

from __future__ import annotations

from datetime import timedelta
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


FLEET_SIZE = 8


@pytest.fixture(autouse=True)
def fleet(request: pytest.FixtureRequest) -> None:
    """Live workers for every GPU type (FLEET_SIZE each), so tests about other things find the
    pools open as a real deployment would; the pool tests delete them and register their own."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    transactional = bool(marker.kwargs.get("transaction")) or bool(
        marker.args and marker.args[0] is True
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.utils import timezone

    from backend.jobs.models import GpuType
    from backend.scheduling.models import Worker

    # A transactional test starts from an empty catalog (the flush removed the seeded rows):
    # the factories' type must have its workers too.
    GpuTypeFactory()
    # Far in the future: a test that moves its clock forward still sees them live.
    seen = timezone.now() + timedelta(days=3650)
    Worker.objects.bulk_create(
        Worker(
            name=f"test-{gpu.slug}-{i}",
            gpu_type=gpu,
            host="test-host",
            device={"kind": "cpu", "name": "test", "count": 1, "memory_gb": None},
            software={},
            last_seen_at=seen,
        )
        for gpu in GpuType.objects.all()
        for i in range(FLEET_SIZE)
    )
