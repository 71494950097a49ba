"""Personal API tokens: named, hashed at rest, optional expiry, last-used time, listed and
revoked by their owner only; DRF tokens from before keep working after the migration."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from backend.accounts.authentication import token_by_key
from backend.accounts.models import ApiToken
from backend.accounts.services import api_token_create

pytestmark = pytest.mark.django_db
TOKENS = "/api/auth/tokens"


def _as(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_create_list_use_and_revoke(owner: Any, owner_client: Any) -> None:
    response = owner_client.post(TOKENS, {"name": "ci script"})
    assert response.status_code == 201
    created = response.json()
    key = created["token"]
    assert created["name"] == "ci script" and created["key_prefix"] == key[:8]
    assert created["expires_at"] is None and created["last_used_at"] is None
    # Hashed at rest: the key itself is stored nowhere.
    stored = ApiToken.objects.get(pk=created["id"])
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.key_hash, stored.key_prefix, stored.name}

    assert _as(key).get("/api/auth/me").json()["username"] == "olivia"
    listed = owner_client.get(TOKENS).json()
    assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
    assert listed[0]["last_used_at"] is not None

    assert owner_client.delete(f"{TOKENS}/{created['id']}").status_code == 204
    assert _as(key).get("/api/auth/me").status_code == 401


def test_only_the_owner_lists_and_revokes(owner: Any, teammate_client: Any) -> None:
    token, key = api_token_create(user=owner, name="mine")
    assert teammate_client.get(TOKENS).json() == []
    assert teammate_client.delete(f"{TOKENS}/{token.pk}").status_code == 404
    assert _as(key).get("/api/auth/me").status_code == 200


def test_expired_tokens_are_refused(owner: Any) -> None:
    token, key = api_token_create(
        user=owner, name="short", expires_at=timezone.now() + timedelta(hours=1)
    )
    assert _as(key).get("/api/auth/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _as(key).get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "This token has expired."


def test_an_expiry_in_the_past_is_a_field_error(owner_client: Any) -> None:
    response = owner_client.post(TOKENS, {"name": "x", "expires_at": "2000-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"expires_at": ["Must be in the future."]}


def test_password_exchange_creates_a_named_token(owner: Any) -> None:
    response = APIClient().post(
        "/api/auth/token",
        {"username": "olivia", "password": "correct horse battery", "name": "laptop"},
    )
    assert response.status_code == 200
    assert response.json()["name"] == "laptop"
    assert _as(response.json()["token"]).get("/api/auth/me").status_code == 200


def test_existing_drf_tokens_keep_working_after_the_migration(owner: Any) -> None:
    legacy = Token.objects.create(user=owner)
    migration = importlib.import_module("backend.accounts.migrations.0003_move_authtoken_keys")
    migration.forwards(apps, None)
    assert not Token.objects.exists()  # the plaintext key is gone
    assert _as(legacy.key).get("/api/auth/me").json()["username"] == "olivia"


def test_a_token_and_its_whole_user_come_from_one_statement(
    owner: Any, django_assert_num_queries: Any
) -> None:
    token, key = api_token_create(user=owner, name="dashboard")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())

    with django_assert_num_queries(1):
        found = token_by_key(key)
        assert found is not None
        # request.user is used whole (permissions, names): nothing is left to load later.
        assert found.user.get_deferred_fields() == set()
        assert found.get_deferred_fields() == set()
    fresh = ApiToken.objects.select_related("user").get(pk=token.pk)
    for field in ApiToken._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(fresh, field.attname), field.name
    for field in type(owner)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(fresh.user, field.attname), field.name
    assert token_by_key(key + "x") is None


def test_a_deactivated_users_token_is_refused(owner: Any) -> None:
    _, key = api_token_create(user=owner, name="old laptop")
    assert _as(key).get("/api/auth/me").status_code == 200
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    response = _as(key).get("/api/auth/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid token."
