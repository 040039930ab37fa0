"""The limits hold against what an attacker actually does: parallel guesses, many addresses, old tokens.

- Attempts are counted first, atomically: forty guesses in parallel get no more password
  checks than ten in a row.
- An IPv6 client is its /64: a subscriber's block of addresses is one client.
- A sign-up code gets five guesses per sign-up, whatever the client, and ends with the link.
- A token ends when the password is switched off, or when the account gains access to health
  data (it was issued without the second factor that access needs).
- Addresses with letters that fold into others (sharp s, ligatures) are refused at sign-up:
  what is stored is what mail is sent to.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from clinic import accounts, login_throttle
from clinic.models import User
from clinic.rate_limits import Limit
from tests.factories import PASSWORD, TherapistFactory, UserFactory

LOGIN = "/accounts/login/"


def in_parallel(count: int, call: Any) -> list[Any]:
    """Run `call(n)` in `count` threads released together; return each result or exception."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = call(n)
        except Exception as exc:  # every outcome is inspected by the test
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_counts_are_never_lost() -> None:
    limit = Limit("probe", 1000, timedelta(minutes=5))

    in_parallel(30, lambda n: limit.record("one subject"))

    assert limit.used("one subject") == 30


@pytest.mark.django_db(transaction=True)
def test_forty_parallel_guesses_get_no_more_password_checks_than_the_limit() -> None:
    victim = UserFactory(email="victim@example.test")

    def guess(n: int) -> int:
        return (
            Client(REMOTE_ADDR="198.51.100.66").post(LOGIN, {"username": victim.email, "password": f"x{n}"}).status_code
        )

    answers = in_parallel(40, guess)

    assert all(isinstance(answer, int) for answer in answers), answers
    assert answers.count(200) <= login_throttle.FAILURE_LIMIT  # the password was checked
    assert answers.count(429) >= 40 - login_throttle.FAILURE_LIMIT


@pytest.mark.django_db
def test_an_ipv6_subscribers_block_is_one_client(patient: User) -> None:
    for n in range(login_throttle.FAILURE_LIMIT):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        client.post(LOGIN, {"username": f"nobody{n}@example.test", "password": "wrong"})

    fresh_address_same_block = Client(REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert fresh_address_same_block.post(LOGIN, {"username": patient.email, "password": PASSWORD}).status_code == 429
    other_block = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert other_block.post(LOGIN, {"username": patient.email, "password": PASSWORD}).status_code == 302


SIGNUP = {
    "first_name": "Erin",
    "last_name": "Evans",
    "phone": "(617) 555-0199",
    "password1": "calm-back-2026!",
    "password2": "calm-back-2026!",
}


@pytest.mark.django_db
def test_a_sign_up_code_gets_five_guesses_whatever_the_client() -> None:
    first = Client(REMOTE_ADDR="203.0.113.1")
    first.post(reverse("signup"), {**SIGNUP, "email": "erin@example.test"})
    session_cookie = first.cookies["sessionid"].value
    for n in range(accounts.CODE_ATTEMPTS.count):
        replay = Client(REMOTE_ADDR=f"203.0.113.{n + 10}")
        replay.cookies["sessionid"] = session_cookie
        assert replay.post(reverse("signup_sent"), {"code": "000000"}).status_code == 200

    last = Client(REMOTE_ADDR="203.0.113.99")
    last.cookies["sessionid"] = session_cookie
    right = accounts.confirmation_code(User.objects.get(email="erin@example.test"))
    assert last.post(reverse("signup_sent"), {"code": right}).status_code == 429
    assert User.objects.get(email="erin@example.test").email_confirmed_at is None


@pytest.mark.django_db
def test_a_sign_up_code_ends_with_the_link(clock: time_machine.Traveller) -> None:
    client = Client()
    client.post(reverse("signup"), {**SIGNUP, "email": "erin@example.test"})
    right = accounts.confirmation_code(User.objects.get(email="erin@example.test"))

    clock.shift(accounts.CONFIRMATION_MAX_AGE + timedelta(minutes=1))

    assert client.post(reverse("signup_sent"), {"code": right}).status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_switching_a_password_off_ends_the_tokens(patient: User) -> None:
    AuthToken.objects.create(user=patient)

    patient.set_unusable_password()
    patient.save()

    assert not AuthToken.objects.filter(user=patient).exists()


@pytest.mark.django_db
def test_becoming_a_therapist_ends_the_tokens_issued_before(patient: User) -> None:
    AuthToken.objects.create(user=patient)

    TherapistFactory(user=patient, display_name="Alice Archer")

    assert not AuthToken.objects.filter(user=patient).exists()


@pytest.mark.django_db
def test_becoming_staff_ends_the_tokens_issued_before(patient: User) -> None:
    AuthToken.objects.create(user=patient)
    patient.first_name = "Alicia"
    patient.save()
    assert AuthToken.objects.filter(user=patient).exists()  # an ordinary change keeps them

    patient.is_staff = True
    patient.save()

    assert not AuthToken.objects.filter(user=patient).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["anna@fa\u00df.example", "ivo@\ufb01le.example", "ro@\u017fite.example"])
def test_an_address_with_letters_that_fold_into_others_is_refused_at_sign_up(address: str) -> None:
    page = Client().post(reverse("signup"), {**SIGNUP, "email": address})
    api = Client().post(
        "/api/v1/auth/register/",
        {"email": address, "password": "calm-back-2026!", "first_name": "A", "last_name": "B", "phone": "6175550199"},
        content_type="application/json",
    )

    assert page.status_code == 200
    assert "plain letters" in page.context["form"].errors["email"][0]
    assert api.status_code == 400
    assert set(api.json()["error"]["fields"]) == {"email"}
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_answer_with_a_new_token_is_never_cached(patient: User) -> None:
    response = Client().post(
        "/api/v1/auth/token/", {"email": patient.email, "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
