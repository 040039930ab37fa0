"""Sign-up tells nobody who has an account, confirms the address, and cannot flood an inbox.

- The page and the API answer a known address exactly as a new one; the known one is told
  by e-mail ("you already have an account").
- A new account's address is confirmed by the e-mailed code (same tab) or the signed link.
- Sign-up and password reset are limited per client and per address.
"""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clinic import accounts
from clinic.models import User
from tests.factories import UserFactory

FORM = {
    "first_name": "Erin",
    "last_name": "Evans",
    "phone": "(617) 555-0199",
    "password1": "calm-back-2026!",
    "password2": "calm-back-2026!",
    "next": "/book/?resume=1",
}


def sign_up(client: Client, email: str) -> Any:
    return client.post(reverse("signup"), {**FORM, "email": email})


def link_in(message: Any) -> str:
    found = re.search(r"https?://\S+/accounts/confirm/\S+", message.body)
    assert found, message.body
    return found.group(0)


@pytest.mark.django_db
def test_a_known_address_gets_the_same_answer_as_a_new_one(patient: User) -> None:
    new_client, known_client = Client(), Client()

    new = sign_up(new_client, "erin@example.test")
    known = sign_up(known_client, "ALICE@example.test")

    sent = (302, "/accounts/signup/sent/")
    assert (new.status_code, new["Location"]) == (known.status_code, known["Location"]) == sent
    new_page = new_client.get(new["Location"]).content.decode().replace("erin@example.test", "@")
    known_page = known_client.get(known["Location"]).content.decode().replace("alice@example.test", "@")
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", new_page) == csrf.sub("", known_page)
    # The known address is told by e-mail, and nothing about the account changed.
    [told] = [m for m in mail.outbox if m.to == ["alice@example.test"]]
    assert "already have an account" in told.subject
    assert not User.objects.get(email="alice@example.test").check_password(FORM["password1"])
    assert User.objects.filter(email="alice@example.test").count() == 1


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_five_wrong_codes_stop_the_form() -> None:
    client = Client()
    sign_up(client, "erin@example.test")

    for _ in range(accounts.CODE_ATTEMPTS.count):
        response = client.post(reverse("signup_sent"), {"code": "000000"})
        assert response.status_code == 200
        assert "does not match" in response.content.decode()

    right = accounts.confirmation_code(User.objects.get(email="erin@example.test"))
    response = client.post(reverse("signup_sent"), {"code": right})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_code_typed_for_a_known_address_signs_nobody_in(patient: User) -> None:
    client = Client()
    sign_up(client, patient.email)

    response = client.post(reverse("signup_sent"), {"code": accounts.confirmation_code(patient)})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_signed_link_confirms_on_a_button_and_signs_in_only_on_first_use() -> None:
    sign_up(Client(), "erin@example.test")
    [message] = mail.outbox
    path = link_in(message).split("://", 1)[1].split("/", 1)[1]
    path = "/" + path

    browser = Client()
    assert browser.get(path).status_code == 200  # a mail scanner's GET changes nothing
    user = User.objects.get(email="erin@example.test")
    assert user.email_confirmed_at is None

    response = browser.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/book/?resume=1"
    assert browser.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.email_confirmed_at is not None

    again = Client()
    again.post(path)
    assert "_auth_user_id" not in again.session


@pytest.mark.django_db
def test_a_tampered_or_stale_link_is_refused() -> None:
    user = cast(User, UserFactory(email="erin@example.test", email_confirmed_at=None))
    token = accounts.confirmation_token(user)

    assert Client().post(reverse("confirm_email", args=[token[:-2] + "xx"])).status_code == 400
    user.email = "erin.new@example.test"
    user.save()
    assert Client().post(reverse("confirm_email", args=[token])).status_code == 400
    user.refresh_from_db()
    assert user.email_confirmed_at is None


@pytest.mark.django_db
def test_sign_up_is_limited_per_address_whatever_the_client() -> None:
    answers = [sign_up(Client(REMOTE_ADDR=f"203.0.113.{n}"), "erin@example.test").status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == accounts.SIGNUP_PER_ADDRESS.count


@pytest.mark.django_db
def test_sign_up_is_limited_per_client() -> None:
    client = Client(REMOTE_ADDR="198.51.100.4")
    answers = [sign_up(client, f"p{n}@example.test").status_code for n in range(accounts.SIGNUP_PER_CLIENT.count + 1)]

    assert answers[-1] == 429
    assert set(answers[:-1]) == {302}
    assert User.objects.count() == accounts.SIGNUP_PER_CLIENT.count


@pytest.mark.django_db
def test_password_reset_sends_at_most_three_emails_an_hour_to_one_address(patient: User) -> None:
    answers = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(reverse("password_reset"), {"email": patient.email}).status_code
        for n in range(15)
    ]

    assert answers[:3] == [302, 302, 302]
    assert set(answers[3:]) == {429}
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_password_reset_is_limited_per_client(patient: User) -> None:
    client = Client(REMOTE_ADDR="198.51.100.5")
    answers = [
        client.post(reverse("password_reset"), {"email": f"p{n}@example.test"}).status_code
        for n in range(accounts.RESET_PER_CLIENT.count + 1)
    ]

    assert answers[-1] == 429
    assert set(answers[:-1]) == {302}


@pytest.mark.django_db
def test_an_unconfirmed_patient_is_told_on_my_appointments_and_can_ask_for_a_new_link() -> None:
    user = UserFactory(email="erin@example.test", email_confirmed_at=None)
    client = Client()
    client.force_login(user)

    page = client.get(reverse("my_appointments")).content.decode()
    assert "Please confirm your e-mail address" in page

    response = client.post(reverse("resend_confirmation"))
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["erin@example.test"]
    assert "/accounts/confirm/" in message.body


@pytest.mark.django_db
def test_a_confirmed_patient_sees_no_reminder_and_gets_no_new_link(patient: User) -> None:
    client = Client()
    client.force_login(patient)

    assert "Please confirm your e-mail address" not in client.get(reverse("my_appointments")).content.decode()
    client.post(reverse("resend_confirmation"))
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_account_opened_at_the_desk_without_a_password_is_claimed_with_the_reset_link() -> None:
    caller = UserFactory(email="walk.in@example.test")
    caller.set_unusable_password()
    caller.save()

    response = Client().post(reverse("password_reset"), {"email": "Walk.In@Example.test"})

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["walk.in@example.test"]
    assert "/accounts/reset/" in message.body


@pytest.mark.django_db
def test_a_therapist_lands_on_their_schedule_after_signing_in(therapist: Any) -> None:
    from tests.factories import PASSWORD

    response = Client().post(reverse("login"), {"username": therapist.user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/therapist/"


@pytest.mark.django_db
def test_a_patient_lands_on_the_home_page_and_a_next_address_still_wins(patient: User, therapist: Any) -> None:
    from tests.factories import PASSWORD

    home = Client().post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    onward = Client().post(
        reverse("login"), {"username": therapist.user.email, "password": PASSWORD, "next": "/appointments/"}
    )

    assert home["Location"] == "/"
    assert onward["Location"] == "/appointments/"
