"""Staff and therapists sign in to the API with their second factor too, when the clinic requires it."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import User
from tests.api.conftest import error_of
from tests.factories import PASSWORD
from therapists.models import Therapist

TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def required(settings: Any, clock: time_machine.Traveller) -> time_machine.Traveller:
    settings.TWO_FACTOR_REQUIRED = True
    return clock


def app_of(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def ask(api: Any, user: User, **extra: str) -> Any:
    return api.post(TOKEN, {"email": user.email, "password": PASSWORD, **extra}, format="json")


@pytest.mark.django_db
def test_a_therapist_without_the_code_gets_no_token(api: Any, required: Any, therapist: Therapist) -> None:
    app_of(therapist.user)

    response = ask(api, therapist.user)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"otp"}


@pytest.mark.django_db
def test_a_wrong_code_gets_no_token(api: Any, required: Any, therapist: Therapist) -> None:
    device = app_of(therapist.user)
    wrong = f"{(int(code_of(device)) + 1) % 1_000_000:06d}"

    response = ask(api, therapist.user, otp=wrong)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"otp"}


@pytest.mark.django_db
def test_the_current_code_gets_a_token(api: Any, required: Any, therapist: Therapist) -> None:
    device = app_of(therapist.user)

    response = ask(api, therapist.user, otp=code_of(device))

    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.django_db
def test_a_recovery_code_gets_a_token_once(api: Any, required: Any, therapist: Therapist) -> None:
    app_of(therapist.user)
    codes = StaticDevice.objects.create(user=therapist.user, name="Recovery codes", confirmed=True)
    codes.token_set.create(token="k7m2p9q4")

    assert ask(api, therapist.user, otp="k7m2p9q4").status_code == 200
    assert ask(api, therapist.user, otp="k7m2p9q4").status_code == 400


@pytest.mark.django_db
def test_staff_without_an_app_are_told_to_set_one_up(api: Any, required: Any, admin_user: User) -> None:
    response = api.post(TOKEN, {"email": admin_user.email, "password": "owner-pass-2026"}, format="json")

    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "second_factor_required"
    assert "/accounts/two-factor/" in error["message"]


@pytest.mark.django_db
def test_patients_need_no_second_factor(api: Any, required: Any, patient: User) -> None:
    assert ask(api, patient).status_code == 200


@pytest.mark.django_db
def test_with_the_requirement_off_a_therapist_signs_in_with_the_password(
    api: Any, settings: Any, therapist: Therapist
) -> None:
    settings.TWO_FACTOR_REQUIRED = False
    app_of(therapist.user)

    assert ask(api, therapist.user).status_code == 200
