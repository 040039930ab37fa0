"""API tokens end: one per sign-in, kept as a digest only, with a sliding expiry, revoked at
logout, by their owner and with every change of the password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.models import User
from tests.api.conftest import error_of
from tests.conftest import PINNED_NOW
from tests.factories import PASSWORD

TOKEN = "/api/v1/auth/token/"
LOGOUT = "/api/v1/auth/logout/"
LOGOUT_ALL = "/api/v1/auth/logout-all/"
TOKENS = "/api/v1/auth/tokens/"
APPOINTMENTS = "/api/v1/appointments/"
TTL = timedelta(days=30)


def sign_in(email: str = "alice@example.test") -> str:
    """Return the token a fresh sign-in through the API answers."""
    response = APIClient().post(TOKEN, {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def works(token: str) -> bool:
    """Return whether the token still opens the caller's appointments (a 401 otherwise)."""
    status = client_with(token).get(APPOINTMENTS).status_code
    assert status in (200, 401), status
    return status == 200


@pytest.mark.django_db
def test_each_sign_in_returns_a_new_token(patient):
    first, second = sign_in(), sign_in()

    assert first != second
    assert works(first) and works(second)
    assert AuthToken.objects.filter(user=patient).count() == 2


@pytest.mark.django_db
def test_sign_in_answers_when_the_token_ends(patient, clock):
    response = APIClient().post(TOKEN, {"email": "alice@example.test", "password": PASSWORD}, format="json")

    assert response.json()["expiry"] == "2026-04-01T09:00:00-04:00"  # 30 x 24 hours, across the DST change


@pytest.mark.django_db
def test_the_database_holds_no_token_in_plain_text(patient):
    token = sign_in()

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert not any(token in str(value) for value in rows[0])


@pytest.mark.django_db
def test_the_old_plaintext_token_table_is_gone():
    assert "authtoken_token" not in connection.introspection.table_names()


@pytest.mark.django_db
def test_a_token_stops_working_after_logout(patient):
    token, other = sign_in(), sign_in()

    response = client_with(token).post(LOGOUT)

    assert response.status_code == 204
    assert not works(token)
    assert works(other)  # the phone signed out; the tablet stays signed in


@pytest.mark.django_db
def test_logout_all_ends_every_token_of_the_caller_and_no_one_elses(patient, other_patient):
    phone, tablet, bobs = sign_in(), sign_in(), sign_in("bob@example.test")

    response = client_with(phone).post(LOGOUT_ALL)

    assert response.status_code == 204
    assert not works(phone) and not works(tablet)
    assert works(bobs)


@pytest.mark.django_db
def test_a_token_unused_past_its_ttl_is_refused(patient, clock):
    token = sign_in()

    clock.move_to(PINNED_NOW + TTL - timedelta(seconds=1))
    assert works(token)
    clock.move_to(PINNED_NOW + TTL - timedelta(seconds=1) + TTL + timedelta(seconds=1))

    assert not works(token)
    assert not AuthToken.objects.filter(user=patient).exists()


@pytest.mark.django_db
def test_using_a_token_within_its_ttl_slides_its_expiry(patient, clock):
    token = sign_in()

    clock.move_to(PINNED_NOW + timedelta(days=20))
    assert works(token)
    clock.move_to(PINNED_NOW + timedelta(days=40))  # past the first expiry, within the slid one

    assert works(token)
    listed = client_with(token).get(TOKENS).json()
    assert [entry["expiry"] for entry in listed] == [(PINNED_NOW + timedelta(days=40) + TTL).isoformat()]


@pytest.mark.django_db
def test_the_list_shows_only_the_callers_tokens_and_which_one_is_in_use(patient, other_patient):
    phone, tablet = sign_in(), sign_in()
    sign_in("bob@example.test")

    response = client_with(phone).get(TOKENS)

    assert response.status_code == 200
    listed = response.json()
    mine = AuthToken.objects.filter(user=patient)
    assert sorted(entry["id"] for entry in listed) == sorted(mine.values_list("token_key", flat=True))
    assert [entry["current"] for entry in listed if phone.startswith(entry["id"])] == [True]
    assert [entry["current"] for entry in listed if tablet.startswith(entry["id"])] == [False]
    body = response.content.decode()
    assert phone not in body and tablet not in body
    assert not any(digest in body for digest in mine.values_list("digest", flat=True))


@pytest.mark.django_db
def test_a_session_caller_lists_their_tokens(client, patient):
    sign_in()
    client.force_login(patient)

    listed = client.get(TOKENS).json()

    assert [entry["current"] for entry in listed] == [False]


@pytest.mark.django_db
def test_a_caller_revokes_one_of_their_tokens_by_its_id(patient):
    phone, lost_tablet = sign_in(), sign_in()
    lost_id = AuthToken.objects.get(token_key=lost_tablet[:15]).token_key

    response = client_with(phone).delete(f"{TOKENS}{lost_id}/")

    assert response.status_code == 204
    assert not works(lost_tablet)
    assert works(phone)


@pytest.mark.django_db
def test_revoking_another_persons_token_answers_404(patient, other_patient):
    alices, bobs = sign_in(), sign_in("bob@example.test")
    bobs_id = AuthToken.objects.get(user=other_patient).token_key

    response = client_with(alices).delete(f"{TOKENS}{bobs_id}/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert works(bobs)


@pytest.mark.django_db
def test_logout_with_a_session_ends_no_token_and_says_so(client, patient):
    token = sign_in()
    client.force_login(patient)

    response = client.post(LOGOUT)

    assert response.status_code == 400
    assert works(token)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("post", LOGOUT), ("post", LOGOUT_ALL), ("get", TOKENS), ("delete", f"{TOKENS}abcdef012345678/")],
)
def test_the_token_routes_need_a_signed_in_caller(api, method, path):
    response = getattr(api, method)(path)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_tokens_are_refused_after_a_password_reset_through_the_site(patient, mailoutbox):
    token = sign_in()
    site = Client()

    site.post(reverse("password_reset"), {"email": "alice@example.test"})
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body)
    assert link, mailoutbox[0].body
    form_page = site.get(link.group(1), follow=True)
    done = site.post(
        form_page.redirect_chain[-1][0], {"new_password1": "fresh-start-2026!", "new_password2": "fresh-start-2026!"}
    )

    assert done["Location"] == reverse("password_reset_complete")
    assert not works(token)
    assert not AuthToken.objects.filter(user=patient).exists()


@pytest.mark.django_db
def test_tokens_are_refused_after_a_password_change(patient, other_patient):
    token, bobs = sign_in(), sign_in("bob@example.test")

    user = User.objects.get(pk=patient.pk)
    user.set_password("fresh-start-2026!")
    user.save()

    assert not works(token)
    assert works(bobs)


@pytest.mark.django_db
def test_saving_an_account_without_a_new_password_keeps_its_tokens(patient):
    token = sign_in()

    patient.first_name = "Alicia"
    patient.save()

    assert works(token)


@pytest.mark.django_db
def test_signing_in_beyond_the_limit_ends_the_oldest_token(patient, settings, clock):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": 2}
    oldest = sign_in()
    clock.shift(timedelta(minutes=1))
    middle = sign_in()
    clock.shift(timedelta(minutes=1))

    newest = sign_in()

    assert not works(oldest)
    assert works(middle) and works(newest)
    assert AuthToken.objects.filter(user=patient).count() == 2


def test_token_digests_are_not_in_the_admin():
    assert not admin.site.is_registered(AuthToken)
