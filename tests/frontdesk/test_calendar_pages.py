"""The calendar's pages: who may open them, what a day shows, and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from booking import services
from booking.intake import IntakeData
from booking.models import MassageType
from clinic.models import User
from tests.factories import LocationFactory, TimeOffFactory
from tests.frontdesk.conftest import WEDNESDAY, at, busy_day
from therapists.models import Therapist

DAY_URL = "/admin/calendar/"
PAGES = [f"{DAY_URL}?date=2026-03-04", f"{DAY_URL}week/?date=2026-03-04", f"{DAY_URL}version/?date=2026-03-04"]


@pytest.mark.parametrize("url", PAGES)
def test_a_visitor_who_is_not_signed_in_is_sent_to_the_admin_sign_in(client: Client, url: str, therapist) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


@pytest.mark.parametrize("url", PAGES)
def test_patients_and_therapists_are_refused(patient_client: Client, therapist_client: Client, url: str) -> None:
    assert patient_client.get(url).status_code == 403
    assert therapist_client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_staff_without_the_appointment_permissions_are_refused(bare_staff_client: Client, url: str, therapist) -> None:
    assert bare_staff_client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_the_front_desk_and_the_owner_open_the_calendar(
    front_desk_client: Client, owner_client: Client, url: str, therapist
) -> None:
    assert front_desk_client.get(url).status_code == 200
    assert owner_client.get(url).status_code == 200


def test_the_day_shows_each_session_with_its_marks_and_the_kinds_of_busy_time(
    clock,
    front_desk_client: Client,
    therapist: Therapist,
    other_therapist: Therapist,
    patient: User,
    other_patient: User,
    massage_type: MassageType,
) -> None:
    services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10))
    # Bob came before: his Wednesday session is not his first.
    services.book(patient=other_patient, therapist=other_therapist, massage_type=massage_type, start=at(10, day=3))
    services.book(
        patient=other_patient,
        therapist=other_therapist,
        massage_type=massage_type,
        start=at(14),
        intake=IntakeData(red_flags=["recent_injury"], provider_consulted=True),
    )
    TimeOffFactory(therapist=other_therapist, start=at(16), end=at(18))

    html = front_desk_client.get(f"{DAY_URL}?date=2026-03-04").content.decode()

    assert "Wednesday, March 4, 2026" in html
    # The service chose the rooms; each label ends with its room's name.
    alice = "Alice Archer, new patient, Deep tissue, 10:00\N{EN DASH}11:00 AM, Confirmed, Room of"
    assert f'aria-label="Carol Chen, 10:00 AM: {alice}' in html
    assert (
        'aria-label="Dan Diaz, 2:00 PM: Bob Baker, red flags, Deep tissue, 2:00\N{EN DASH}3:00 PM, Confirmed, Room of'
        in html
    )
    assert "Carol Chen, 11:00 AM: room turnover" in html
    assert "Carol Chen, 12:00 PM: break" in html
    assert "Dan Diaz, 4:00 PM: time off (Holiday)" in html
    assert "Dan Diaz, 9:00 AM: closed" in html
    assert "Carol Chen, 9:00 AM: free" in html


def test_the_room_view_has_a_column_per_room(clock, front_desk_client: Client, therapist: Therapist) -> None:
    html = front_desk_client.get(f"{DAY_URL}?date=2026-03-04&by=room").content.decode()

    assert f"Room of therapist {therapist.pk}, 9:00 AM: free" in html


def test_a_location_switch_appears_when_there_are_several(clock, front_desk_client: Client, therapist) -> None:
    assert 'id="fd-location"' not in front_desk_client.get(DAY_URL).content.decode()
    LocationFactory(name="Uptown")

    assert 'id="fd-location"' in front_desk_client.get(DAY_URL).content.decode()


def test_a_bad_date_is_not_found(front_desk_client: Client, therapist) -> None:
    assert front_desk_client.get(f"{DAY_URL}?date=2026-02-31").status_code == 404


def _count(django_assert_num_queries, client: Client, url: str, expected: int) -> None:
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# The session and its user, the user's permissions (two), the locations, working hours, time off,
# sessions, rooms, closures, the massage types of "find the next free time", the version, and the
# waitlist's entries for the day.
DAY_QUERIES = 13


@pytest.mark.parametrize(("therapists", "sessions"), [(2, 6), (8, 60)])
def test_the_day_view_answers_with_a_fixed_number_of_queries(
    clock, front_desk_client: Client, django_assert_num_queries, therapists: int, sessions: int
) -> None:
    busy_day(therapists, sessions)

    _count(django_assert_num_queries, front_desk_client, f"{DAY_URL}?date=2026-03-04", DAY_QUERIES)
    _count(django_assert_num_queries, front_desk_client, f"{DAY_URL}?date=2026-03-04&by=room", DAY_QUERIES)


WEEK_QUERIES = 15


@pytest.mark.parametrize(("therapists", "sessions"), [(2, 6), (8, 60)])
def test_the_week_view_answers_with_a_fixed_number_of_queries(
    clock, front_desk_client: Client, django_assert_num_queries, therapists: int, sessions: int
) -> None:
    busy_day(therapists, sessions)

    _count(django_assert_num_queries, front_desk_client, f"{DAY_URL}week/?date=2026-03-04", WEEK_QUERIES)


def test_the_version_answers_304_until_something_changes(
    clock, front_desk_client: Client, therapist: Therapist, patient: User, massage_type: MassageType
) -> None:
    url = f"{DAY_URL}version/?date={WEDNESDAY}"
    tag = front_desk_client.get(url)["ETag"]

    assert front_desk_client.get(url, headers={"If-None-Match": tag}).status_code == 304

    services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10))
    changed = front_desk_client.get(url, headers={"If-None-Match": tag})

    assert changed.status_code == 200
    assert changed["ETag"] != tag
    assert changed.json() == {"version": changed["ETag"]}
    assert front_desk_client.get(f"{DAY_URL}version/?date={WEDNESDAY + timedelta(days=1)}")["ETag"] != tag
