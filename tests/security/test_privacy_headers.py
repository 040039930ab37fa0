"""Every answer sends a Permissions-Policy; every answer with health data is never cached.

Appointment lists and details, the intake, the therapist's sessions and notes and every
portal page go out with `Cache-Control: no-store`, on the pages and on the API alike.
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client
from knox.models import AuthToken

from booking.models import MassageType
from clinic.headers import PERMISSIONS_POLICY
from clinic.models import User
from tests.therapists.portal_setup import RED_FLAG_INTAKE, at, book_session, client_for
from therapists.models import Therapist


def assert_not_stored(response: Any) -> None:
    assert response.status_code == 200, response.status_code
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.fixture
def session(clock: time_machine.Traveller, patient: User, therapist: Therapist, massage_type: MassageType) -> Any:
    return book_session(patient, therapist, massage_type, at(4, 10), intake=RED_FLAG_INTAKE)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/massages/", "/accounts/login/", "/api/v1/massage-types/", "/healthz"])
def test_every_answer_forbids_powerful_browser_features(path: str) -> None:
    response = Client().get(path)

    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert "camera=()" in PERMISSIONS_POLICY and "geolocation=()" in PERMISSIONS_POLICY


@pytest.mark.django_db
def test_the_patients_appointments_are_never_cached(session: Any, patient: User) -> None:
    page = client_for(patient)
    assert_not_stored(page.get("/appointments/"))
    assert_not_stored(page.get(f"/appointments/{session.pk}/confirmed/"))

    _, token = AuthToken.objects.create(user=patient)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert_not_stored(api.get("/api/v1/appointments/"))
    assert_not_stored(api.get(f"/api/v1/appointments/{session.pk}/"))
    intake = api.patch(f"/api/v1/appointments/{session.pk}/", {"pain_level": 5}, content_type="application/json")
    assert_not_stored(intake)


@pytest.mark.django_db
def test_the_therapists_portal_sessions_and_notes_are_never_cached(session: Any, therapist: Therapist) -> None:
    portal = client_for(therapist.user)
    for path in ["/therapist/", "/therapist/week/", f"/therapist/sessions/{session.pk}/", "/therapist/hours/"]:
        assert_not_stored(portal.get(path))
    assert_not_stored(portal.get("/api/v1/therapist/schedule/"))
    assert_not_stored(portal.get(f"/api/v1/therapist/sessions/{session.pk}/notes/"))


@pytest.mark.django_db
def test_the_calendar_feed_is_never_cached(session: Any, therapist: Therapist) -> None:
    assert_not_stored(Client().get(f"/therapist/feed/{therapist.calendar_token}.ics"))


@pytest.mark.django_db
def test_public_pages_for_anonymous_visitors_may_be_cached() -> None:
    response = Client().get("/massages/")

    assert "no-store" not in response.get("Cache-Control", "")
