"""The admin's sign-in counts failures with the site's and the API's counters (clinic.login_throttle)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from clinic import login_throttle
from clinic.models import User

ADMIN_LOGIN = reverse("admin:login")
SITE_LOGIN = "/accounts/login/"
OWNER_PASSWORD = "owner-pass-2026"  # the admin_user fixture's
ADDRESS = "203.0.113.9"


@pytest.fixture(autouse=True)
def _fresh_counts(settings: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def admin_sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(ADMIN_LOGIN, {"username": email, "password": password, "next": reverse("admin:index")})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_the_owner_signs_in_to_the_admin(admin_user: User) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    response = admin_sign_in(client, admin_user.email, OWNER_PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_after_the_limit_of_failures_the_admin_refuses_even_the_right_password(admin_user: User) -> None:
    for _ in range(login_throttle.FAILURE_LIMIT):
        response = admin_sign_in(Client(REMOTE_ADDR=ADDRESS), admin_user.email, "wrong-password")
        assert response.status_code == 200
    client = Client(REMOTE_ADDR=ADDRESS)

    response = admin_sign_in(client, admin_user.email, OWNER_PASSWORD)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= login_throttle.WINDOW.total_seconds()
    assert login_throttle.MESSAGE in response.content.decode()
    assert not signed_in(client)


@pytest.mark.django_db
def test_failures_on_the_site_and_in_the_admin_add_up(admin_user: User) -> None:
    site_failures = login_throttle.FAILURE_LIMIT // 2
    for _ in range(site_failures):
        Client(REMOTE_ADDR=ADDRESS).post(SITE_LOGIN, {"username": admin_user.email, "password": "wrong-password"})
    for _ in range(login_throttle.FAILURE_LIMIT - site_failures):
        admin_sign_in(Client(REMOTE_ADDR=ADDRESS), admin_user.email, "wrong-password")

    assert admin_sign_in(Client(REMOTE_ADDR=ADDRESS), admin_user.email, OWNER_PASSWORD).status_code == 429
    site = Client(REMOTE_ADDR=ADDRESS).post(SITE_LOGIN, {"username": admin_user.email, "password": OWNER_PASSWORD})
    assert site.status_code == 429
