"""The outsider persona of the notification tests: a former member (deactivated) whose
personal API token still exists. Everything answers 401."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from backend.accounts.services import api_token_create
from tests.factories import UserFactory


@pytest.fixture
def outsider_client(db: None) -> APIClient:
    outsider = UserFactory(username="olga-outsider")
    _, key = api_token_create(user=outsider, name="script")
    outsider.is_active = False
    outsider.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
