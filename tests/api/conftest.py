"""Fixtures of the API tests: fast password hashing and signed-in clients (tests/conftest.py clears the throttles)."""

from __future__ import annotations

from typing import Any

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.models import User


def token_client(user: User) -> APIClient:
    """Return an API client that signs in with the user's token, as a mobile app would."""
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def alice(patient: User) -> APIClient:
    return token_client(patient)


@pytest.fixture
def bob(other_patient: User) -> APIClient:
    return token_client(other_patient)


def error_of(response: Any) -> dict[str, Any]:
    """Return the error document of a response, checking its shape on the way."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]
