"""Two-factor sign-in for everyone who can read health data: staff, the owner and therapists.

With TWO_FACTOR_REQUIRED on, the admin, the therapist portal and the session's therapist API
open only to a session confirmed with a code from an authenticator app or a recovery code.
The codes here are computed from the device's key, as the person's app would, at a pinned clock.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import User
from clinic.two_factor.services import requires_second_factor, verify_code
from tests.admin import conftest as admin_personas
from therapists.models import Therapist

ENROL = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"
NEW_CODES = "/accounts/two-factor/recovery-codes/"
CODE_ITEM = re.compile(r"<li><code>([a-z2-7]{8})</code></li>")

pytestmark = pytest.mark.django_db

# The front-desk persona of the admin tests.
staff_groups = admin_personas.staff_groups
front_desk = admin_personas.front_desk


@pytest.fixture
def two_factor_on(settings: Any, clock: time_machine.Traveller) -> time_machine.Traveller:
    settings.TWO_FACTOR_REQUIRED = True
    return clock


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def current_code(user: User, *, confirmed: bool = True) -> str:
    """Return the code the person's app shows now."""
    device = TOTPDevice.objects.get(user=user, confirmed=confirmed)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def a_wrong_code(user: User) -> str:
    return f"{(int(current_code(user)) + 500_000) % 1_000_000:06d}"


def enrol(client: Client, user: User) -> list[str]:
    """Set up the app from the enrolment page as the person would; return the recovery codes shown."""
    assert client.get(ENROL).status_code == 200
    response = client.post(ENROL, {"code": current_code(user, confirmed=False)})
    assert response.status_code == 200, response.content.decode()[:2000]
    return CODE_ITEM.findall(response.content.decode())


def next_step(clock: time_machine.Traveller) -> None:
    """Move to the app's next 30-second code: a code is taken only once."""
    clock.shift(timedelta(seconds=30))


def test_staff_without_an_app_are_sent_from_the_admin_to_set_one_up(
    two_factor_on: time_machine.Traveller, admin_user: User, front_desk: User
) -> None:
    for person in (admin_user, front_desk):
        response = signed_in(person).get("/admin/")
        assert response.status_code == 302
        assert response["Location"] == f"{ENROL}?next=%2Fadmin%2F"
    # The admin's own sign-out is not behind the gate: it signs out (and goes home), not to set-up.
    desk = signed_in(front_desk)
    assert desk.post("/admin/logout/")["Location"] == "/"
    assert "_auth_user_id" not in desk.session


def test_enrolling_with_a_current_code_turns_it_on_shows_ten_codes_once_and_opens_the_admin(
    two_factor_on: time_machine.Traveller, admin_user: User
) -> None:
    client = signed_in(admin_user)
    page = client.get(f"{ENROL}?next=/admin/").content.decode()
    assert '<img class="qr-code" src="data:image/svg+xml' in page
    device = TOTPDevice.objects.get(user=admin_user)
    assert not device.confirmed
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page)
    assert secret is not None
    assert secret.group(1).replace(" ", "") in device.config_url
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page

    response = client.post(ENROL, {"code": current_code(admin_user, confirmed=False), "next": "/admin/"})
    codes = CODE_ITEM.findall(response.content.decode())
    assert len(codes) == len(set(codes)) == 10
    assert 'href="/admin/"' in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert sorted(StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True)) == sorted(codes)

    assert client.get("/admin/").status_code == 200
    # Shown once: the page now says how many are left, never the codes.
    again = client.get(ENROL).content.decode()
    assert "<strong>10</strong> unused recovery codes" in again
    assert not any(code in again for code in codes)


def test_a_new_session_must_verify_before_the_admin_opens(
    two_factor_on: time_machine.Traveller, admin_user: User
) -> None:
    enrol(signed_in(admin_user), admin_user)
    next_step(two_factor_on)

    later = signed_in(admin_user)
    response = later.get("/admin/booking/appointment/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2Fbooking%2Fappointment%2F"
    page = later.get(response["Location"]).content.decode()
    assert 'autocomplete="one-time-code"' in page

    verified = later.post(VERIFY, {"code": current_code(admin_user), "next": "/admin/booking/appointment/"})
    assert verified.status_code == 302
    assert verified["Location"] == "/admin/booking/appointment/"
    assert later.get("/admin/booking/appointment/").status_code == 200


def test_a_wrong_code_is_refused_and_wrong_codes_slow_down_the_next_tries(
    two_factor_on: time_machine.Traveller, admin_user: User
) -> None:
    enrol(signed_in(admin_user), admin_user)
    next_step(two_factor_on)
    client = signed_in(admin_user)

    refused = client.post(VERIFY, {"code": a_wrong_code(admin_user)})
    assert refused.status_code == 400
    assert "That code is not right" in refused.content.decode()
    assert client.get("/admin/").status_code == 302

    # Straight after a wrong code even the right one waits (django-otp's throttle).
    throttled = client.post(VERIFY, {"code": current_code(admin_user)})
    assert throttled.status_code == 400
    assert "Too many wrong codes" in throttled.content.decode()

    two_factor_on.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": current_code(admin_user)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_code_used_at_enrolment_cannot_be_replayed(two_factor_on: time_machine.Traveller, admin_user: User) -> None:
    client = signed_in(admin_user)
    client.get(ENROL)
    code = current_code(admin_user, confirmed=False)
    assert client.post(ENROL, {"code": code}).status_code == 200
    other = signed_in(admin_user)
    assert other.post(VERIFY, {"code": code}).status_code == 400
    assert other.get("/admin/").status_code == 302


def test_a_recovery_code_works_once_and_never_again(
    two_factor_on: time_machine.Traveller, therapist: Therapist
) -> None:
    carol = therapist.user
    codes = enrol(signed_in(carol), carol)

    phone_lost = signed_in(carol)
    response = phone_lost.post(VERIFY, {"recovery_code": codes[0].upper(), "next": "/therapist/"})
    assert response.status_code == 302
    assert response["Location"] == "/therapist/"
    assert phone_lost.get("/therapist/").status_code == 200
    assert StaticToken.objects.filter(device__user=carol).count() == 9

    two_factor_on.shift(timedelta(seconds=5))
    again = signed_in(carol)
    refused = again.post(VERIFY, {"recovery_code": codes[0]})
    assert refused.status_code == 400
    assert "already been used" in refused.content.decode()
    assert again.get("/therapist/").status_code == 302
    # The service the API's token endpoint calls agrees, and a fresh code still works there.
    two_factor_on.shift(timedelta(seconds=5))
    assert verify_code(carol, codes[0]) is False
    two_factor_on.shift(timedelta(seconds=5))
    assert verify_code(carol, codes[1]) is True
    assert verify_code(carol, codes[1]) is False


def test_new_recovery_codes_replace_the_old_ones_and_the_page_counts_what_is_left(
    two_factor_on: time_machine.Traveller, admin_user: User
) -> None:
    client = signed_in(admin_user)
    old = enrol(client, admin_user)
    assert verify_code(admin_user, old[0])
    assert "<strong>9</strong> unused recovery codes" in client.get(ENROL).content.decode()

    response = client.post(NEW_CODES)
    assert response.status_code == 200
    new = CODE_ITEM.findall(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert "The old ones no longer work" in response.content.decode()
    two_factor_on.shift(timedelta(seconds=5))
    assert verify_code(admin_user, old[1]) is False
    two_factor_on.shift(timedelta(seconds=5))
    assert verify_code(admin_user, new[0]) is True
    # The session verified before stays verified: same device, new codes.
    assert client.get("/admin/").status_code == 200


def test_new_recovery_codes_need_a_verified_session(two_factor_on: time_machine.Traveller, admin_user: User) -> None:
    old = enrol(signed_in(admin_user), admin_user)
    unverified = signed_in(admin_user)
    response = unverified.post(NEW_CODES)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert sorted(StaticToken.objects.filter(device__user=admin_user).values_list("token", flat=True)) == sorted(old)


def test_a_therapists_portal_and_api_are_refused_until_verified_and_open_after(
    two_factor_on: time_machine.Traveller, therapist: Therapist
) -> None:
    carol = therapist.user
    client = signed_in(carol)
    response = client.get("/therapist/week/")
    assert response.status_code == 302
    assert response["Location"] == f"{ENROL}?next=%2Ftherapist%2Fweek%2F"
    api = client.get("/api/v1/therapist/schedule/")
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "second_factor_required"
    assert set(api.json()["error"]) == {"code", "message", "fields"}

    enrol(client, carol)
    assert client.get("/therapist/week/").status_code == 200
    assert client.get("/api/v1/therapist/schedule/").status_code == 200

    next_step(two_factor_on)
    later = signed_in(carol)
    assert later.get("/therapist/").status_code == 302
    assert later.get("/therapist/")["Location"] == f"{VERIFY}?next=%2Ftherapist%2F"
    assert later.get("/api/v1/therapist/schedule/").status_code == 403


def test_the_calendar_feed_stays_open_to_calendar_apps(
    two_factor_on: time_machine.Traveller, therapist: Therapist
) -> None:
    feed = f"/therapist/feed/{therapist.calendar_token}.ics"
    assert Client().get(feed).status_code == 200
    response = signed_in(therapist.user).get(feed)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")


def test_patients_get_404_on_the_two_factor_pages_and_are_never_gated(
    two_factor_on: time_machine.Traveller, patient: User, patient_client: Client
) -> None:
    assert not requires_second_factor(patient)
    for url in (ENROL, VERIFY):
        assert patient_client.get(url).status_code == 404
    assert patient_client.post(NEW_CODES).status_code == 404
    assert patient_client.get("/appointments/").status_code == 200
    assert patient_client.get("/api/v1/appointments/").status_code == 200
    # Not staff: the admin answers with its own sign-in, as before.
    assert patient_client.get("/admin/")["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.filter(user=patient).exists()


def test_the_anonymous_are_sent_to_sign_in(two_factor_on: time_machine.Traveller) -> None:
    response = Client().get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Client().get("/therapist/")["Location"].startswith("/accounts/login/")


def test_with_the_setting_off_nothing_is_gated(
    settings: Any, admin_client: Client, therapist: Therapist, clock: time_machine.Traveller
) -> None:
    settings.TWO_FACTOR_REQUIRED = False
    assert admin_client.get("/admin/").status_code == 200
    carol = signed_in(therapist.user)
    assert carol.get("/therapist/").status_code == 200
    assert carol.get("/api/v1/therapist/schedule/").status_code == 200


def test_signing_out_ends_the_verification(two_factor_on: time_machine.Traveller, admin_user: User) -> None:
    client = Client()
    assert client.login(email=admin_user.email, password="owner-pass-2026")
    enrol(client, admin_user)
    assert client.get("/admin/").status_code == 200

    client.post("/accounts/logout/")
    assert client.login(email=admin_user.email, password="owner-pass-2026")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_verification_sends_only_to_this_site(two_factor_on: time_machine.Traveller, admin_user: User) -> None:
    enrol(signed_in(admin_user), admin_user)
    next_step(two_factor_on)
    response = signed_in(admin_user).post(VERIFY, {"code": current_code(admin_user), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_only_the_owner_sees_devices_in_the_admin_and_can_reset_a_lost_phone(
    settings: Any, clock: time_machine.Traveller, admin_client: Client, front_desk: User, therapist: Therapist
) -> None:
    carol = therapist.user
    enrol(signed_in(carol), carol)
    app = TOTPDevice.objects.get(user=carol)
    desk = signed_in(front_desk)
    for url in (
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{app.pk}/change/",
        "/admin/otp_static/staticdevice/",
    ):
        assert desk.get(url).status_code == 403, url
        assert admin_client.get(url).status_code == 200, url
    assert "TOTP devices" not in desk.get("/admin/").content.decode()
    # Nobody adds a device in the admin: its secret would be known to someone else.
    assert admin_client.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    # The owner's pages show neither the key nor a recovery code.
    change = admin_client.get(f"/admin/otp_totp/totpdevice/{app.pk}/change/").content.decode()
    assert app.key not in change
    codes_page = admin_client.get(
        f"/admin/otp_static/staticdevice/{StaticDevice.objects.get(user=carol).pk}/change/"
    ).content.decode()
    assert not any(token in codes_page for token in StaticToken.objects.values_list("token", flat=True))

    # Carol lost her phone: the owner deletes her devices, and her next sign-in sets up the app anew.
    assert admin_client.post(f"/admin/otp_totp/totpdevice/{app.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=carol).exists()
    settings.TWO_FACTOR_REQUIRED = True
    assert signed_in(carol).get("/therapist/")["Location"].startswith(ENROL)


def test_the_gate_sits_after_the_middleware_that_knows_the_verified_session() -> None:
    chain = django_settings.MIDDLEWARE
    auth = chain.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    otp = chain.index("django_otp.middleware.OTPMiddleware")
    gate = chain.index("clinic.two_factor.middleware.SecondFactorMiddleware")
    assert auth < otp < gate
