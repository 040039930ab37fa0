"""Sign-up and sign-in through the API: tokens, field errors and throttling."""

from __future__ import annotations

import pytest
from django.core import mail
from knox.crypto import hash_token
from knox.models import AuthToken

from clinic.models import User
from tests.api.conftest import error_of
from tests.factories import PASSWORD

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"

NEW_PATIENT = {
    "email": "Erin.Evans@Example.test",
    "password": "lumbar-stretch-2026",
    "first_name": "Erin",
    "last_name": "Evans",
    "phone": "(617) 555-0199",
}


@pytest.mark.django_db
def test_register_opens_an_unconfirmed_patient_account_and_emails_its_confirmation(api):
    response = api.post(REGISTER, NEW_PATIENT, format="json")

    assert response.status_code == 202
    detail = "We sent a message to erin.evans@example.test. Open it to confirm the address, then sign in."
    assert response.json() == {"detail": detail}
    user = User.objects.get(email="erin.evans@example.test")
    assert (user.first_name, user.last_name, user.phone) == ("Erin", "Evans", "+16175550199")
    assert user.check_password("lumbar-stretch-2026")
    assert not user.is_staff
    assert user.email_confirmed_at is None
    [message] = mail.outbox
    assert message.to == ["erin.evans@example.test"]
    assert "/accounts/confirm/" in message.body
    assert not AuthToken.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_the_new_account_signs_in_and_opens_the_appointments(api):
    api.post(REGISTER, NEW_PATIENT, format="json")
    token = api.post(TOKEN, {"email": NEW_PATIENT["email"], "password": NEW_PATIENT["password"]}, format="json")

    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    response = api.get("/api/v1/appointments/")

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.django_db
def test_a_known_address_gets_the_same_answer_and_an_already_registered_email(api, patient):
    unknown = api.post(REGISTER, NEW_PATIENT, format="json")
    known = api.post(REGISTER, {**NEW_PATIENT, "email": "ALICE@example.test"}, format="json")

    assert known.status_code == unknown.status_code == 202
    assert set(known.json()) == set(unknown.json()) == {"detail"}
    assert User.objects.filter(email="alice@example.test").count() == 1
    assert not User.objects.get(email="alice@example.test").check_password(NEW_PATIENT["password"])
    told = [m for m in mail.outbox if m.to == ["alice@example.test"]]
    assert len(told) == 1
    assert "already have" in told[0].subject
    assert "/accounts/password-reset/" in told[0].body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901", "erin.evans@example.test"],
    ids=["short", "common", "numeric", "like-email"],
)
def test_djangos_password_validators_apply(api, password):
    response = api.post(REGISTER, {**NEW_PATIENT, "password": password}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"password"}
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_bad_phone_number_is_a_field_error(api):
    response = api.post(REGISTER, {**NEW_PATIENT, "phone": "12"}, format="json")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"phone": "Enter a valid phone number, e.g. +1 617 555 0142."}


@pytest.mark.django_db
def test_missing_fields_are_each_named(api):
    response = api.post(REGISTER, {}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"email", "password", "first_name", "last_name", "phone"}


@pytest.mark.django_db
def test_token_for_good_credentials(api, patient):
    response = api.post(TOKEN, {"email": "Alice@Example.test", "password": PASSWORD}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    assert AuthToken.objects.get(user=patient).digest == hash_token(body["token"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "alice@example.test", "password": "not-her-password"},
        {"email": "nobody@example.test", "password": PASSWORD},
    ],
    ids=["wrong password", "unknown email"],
)
def test_bad_credentials_are_a_400_without_saying_which_part(api, patient, credentials):
    response = api.post(TOKEN, credentials, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["message"] == "Unable to sign in with that e-mail address and password."
    assert error["fields"] == {}


@pytest.mark.django_db
def test_an_inactive_account_gets_no_token(api, patient):
    patient.is_active = False
    patient.save()

    response = api.post(TOKEN, {"email": "alice@example.test", "password": PASSWORD}, format="json")

    assert response.status_code == 400


@pytest.mark.django_db
def test_registering_is_throttled(api):
    for number in range(10):
        response = api.post(REGISTER, {**NEW_PATIENT, "email": f"p{number}@example.test"}, format="json")
        assert response.status_code == 202

    response = api.post(REGISTER, {**NEW_PATIENT, "email": "p10@example.test"}, format="json")

    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert not User.objects.filter(email="p10@example.test").exists()


@pytest.mark.django_db
def test_asking_for_tokens_is_throttled(api, patient):
    # Right passwords: wrong ones meet the failed sign-in limit (clinic.login_throttle) at ten.
    for _ in range(20):
        assert api.post(TOKEN, {"email": "alice@example.test", "password": PASSWORD}, format="json").status_code == 200

    response = api.post(TOKEN, {"email": "alice@example.test", "password": PASSWORD}, format="json")

    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert "Retry-After" in response
