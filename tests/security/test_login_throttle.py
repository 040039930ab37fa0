"""Sign-in attempts are limited on the page and the API, and passwords follow Django's rules.

Ten failures within fifteen minutes from one client close sign-in (429) for that client
until the window ends; ten against one account close it for every client that has been
failing, while a client that has not failed still gets in with the right password. A
successful sign-in or a password reset clears the account's count. The API's token endpoint
also keeps its scoped DRF throttle.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.throttling import ScopedRateThrottle

from clinic import login_throttle
from clinic.models import User
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
SIGNUP = "/accounts/signup/"
REGISTER = "/api/v1/auth/register/"
LIMIT = login_throttle.FAILURE_LIMIT


@pytest.fixture(autouse=True)
def _fresh_counts(settings: Any) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail_times(count: int, email: str, *, addresses: list[str] | None = None) -> None:
    """Sign in with a wrong password `count` times, from one address or one each from `addresses`."""
    for n in range(count):
        address = addresses[n] if addresses else "198.51.100.1"
        response = sign_in(client_from(address), email, "wrong-password")
        assert response.status_code == 200
        assert "do not match an account" in response.content.decode()


# --- The page's sign-in form -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_eleventh_sign_in_after_ten_failures_is_refused_even_with_the_right_password(patient: User) -> None:
    fail_times(LIMIT, patient.email)
    client = client_from("198.51.100.1")

    response = sign_in(client, patient.email, PASSWORD)

    assert response.status_code == 429
    assert login_throttle.MESSAGE in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= login_throttle.WINDOW.total_seconds()
    assert not signed_in(client)


@pytest.mark.django_db
def test_nine_failures_still_let_the_right_password_in(patient: User) -> None:
    fail_times(LIMIT - 1, patient.email)
    client = client_from("198.51.100.1")

    response = sign_in(client, patient.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_stopped(patient: User, other_patient: User) -> None:
    for n in range(LIMIT):
        sign_in(client_from("198.51.100.7"), f"nobody{n}@example.test", "wrong-password")

    assert sign_in(client_from("198.51.100.7"), other_patient.email, PASSWORD).status_code == 429
    # Another client is not affected.
    other = client_from("198.51.100.8")
    assert sign_in(other, other_patient.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_many_addresses_guessing_one_account_are_stopped(patient: User, other_patient: User) -> None:
    addresses = [f"203.0.113.{n}" for n in range(LIMIT)]
    fail_times(LIMIT, patient.email, addresses=addresses)

    # Every client that failed is shut out of the account, even with the right password.
    assert sign_in(client_from(addresses[0]), patient.email, PASSWORD).status_code == 429
    # A fresh address gets one try: a wrong one shuts it out too.
    assert sign_in(client_from("203.0.113.201"), patient.email, "wrong-password").status_code == 200
    assert sign_in(client_from("203.0.113.201"), patient.email, PASSWORD).status_code == 429
    # Another account from a fresh address is not affected.
    assert sign_in(client_from("203.0.113.200"), other_patient.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_locked_account_still_opens_to_its_owner_on_a_client_that_was_not_failing(patient: User) -> None:
    """Locking is no weapon: guessing wrong on purpose does not keep the patient out."""
    fail_times(LIMIT, patient.email, addresses=[f"203.0.113.{n}" for n in range(LIMIT)])
    assert login_throttle.is_locked(None, patient.email)

    owner = client_from("198.51.100.77")
    response = sign_in(owner, patient.email, PASSWORD)

    assert response.status_code == 302
    assert signed_in(owner)
    # The right password cleared the account's count.
    assert not login_throttle.is_locked(None, patient.email)


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_count_of_that_email_address(patient: User) -> None:
    fail_times(LIMIT - 1, patient.email, addresses=[f"203.0.113.{n}" for n in range(LIMIT - 1)])
    assert sign_in(client_from("203.0.113.100"), patient.email, PASSWORD).status_code == 302

    fail_times(LIMIT - 1, patient.email, addresses=[f"203.0.113.{n + 20}" for n in range(LIMIT - 1)])

    client = client_from("203.0.113.101")
    assert sign_in(client, patient.email, PASSWORD).status_code == 302
    assert signed_in(client)


@pytest.mark.django_db
def test_sign_in_opens_again_when_the_window_has_passed(clock: time_machine.Traveller, patient: User) -> None:
    fail_times(LIMIT, patient.email)
    clock.shift(timedelta(minutes=10))
    refused = sign_in(client_from("198.51.100.1"), patient.email, PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == (login_throttle.WINDOW - timedelta(minutes=10)).total_seconds()

    clock.shift(login_throttle.WINDOW - timedelta(minutes=10) + timedelta(seconds=1))

    assert sign_in(client_from("198.51.100.1"), patient.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_a_password_reset_opens_sign_in_again_at_once(patient: User) -> None:
    fail_times(LIMIT, patient.email, addresses=[f"203.0.113.{n}" for n in range(LIMIT)])
    client = client_from("192.0.2.10")
    uid = urlsafe_base64_encode(force_bytes(patient.pk))
    token = default_token_generator.make_token(patient)
    # Django swaps the token in the URL for a session marker, then shows the form there.
    form_url = client.get(f"/accounts/reset/{uid}/{token}/")["Location"]
    new_password = "calm-lumbar-stretch-77"

    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert response.status_code == 302
    assert sign_in(client, patient.email, new_password).status_code == 302
    assert signed_in(client)


# --- The API's token endpoint -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_token_endpoint_shares_the_failed_sign_in_limit(patient: User) -> None:
    fail_times(LIMIT, patient.email)

    response = client_from("198.51.100.1").post(
        TOKEN, {"email": patient.email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith(login_throttle.MESSAGE)
    assert 0 < int(response["Retry-After"]) <= login_throttle.WINDOW.total_seconds()


@pytest.mark.django_db
def test_failures_on_the_token_endpoint_close_the_page_too(patient: User) -> None:
    api = client_from("192.0.2.30")
    for _ in range(LIMIT):
        wrong = {"email": patient.email, "password": "wrong-password"}
        assert api.post(TOKEN, wrong, content_type="application/json").status_code == 400

    assert sign_in(client_from("192.0.2.30"), patient.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_token_endpoint_keeps_its_scoped_rate_for_every_request(patient: User) -> None:
    rate = ScopedRateThrottle.THROTTLE_RATES["token"]
    allowed, _ = ScopedRateThrottle().parse_rate(rate)
    assert allowed is not None
    api = client_from("192.0.2.40")
    right = {"email": patient.email, "password": PASSWORD}
    for _ in range(allowed):
        assert api.post(TOKEN, right, content_type="application/json").status_code == 200

    response = api.post(TOKEN, right, content_type="application/json")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


# --- Password rules ---------------------------------------------------------------------------

WEAK_PASSWORDS = pytest.mark.parametrize(
    "password", ["Sh0rt!", "password123", "48151623421"], ids=["short", "common", "all-numeric"]
)


@pytest.mark.django_db
@WEAK_PASSWORDS
def test_the_sign_up_page_refuses_a_weak_password_on_its_field(password: str) -> None:
    response = Client().post(
        SIGNUP,
        {
            "first_name": "Erin",
            "last_name": "Evans",
            "email": "erin@example.test",
            "phone": "(617) 555-0199",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors.get("password2"), response.context["form"].errors
    assert not User.objects.filter(email="erin@example.test").exists()


@pytest.mark.django_db
@WEAK_PASSWORDS
def test_the_sign_up_api_refuses_a_weak_password_on_its_field(password: str) -> None:
    body = {
        "email": "erin@example.test",
        "password": password,
        "first_name": "Erin",
        "last_name": "Evans",
        "phone": "(617) 555-0199",
    }
    response = Client().post(REGISTER, body, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"password"}
    assert not User.objects.filter(email="erin@example.test").exists()
