"""The portal at a clinic with several locations: hours say where, schedules say where and keep each place's clock."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from booking.models import MassageType
from clinic.models import User
from locations.models import Location, Room, default_location
from portal.schedule import sessions_between, sessions_outside_hours
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory
from therapists.models import Therapist, WorkingHours

from .portal_setup import client_for

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
API = "/api/v1/therapist"


@pytest.fixture
def home(therapist: Therapist) -> Location:
    """The clinic's first location (the therapist's hours and room are there)."""
    return default_location()


@pytest.fixture
def london(home: Location) -> Location:
    return LocationFactory(
        name="London Marylebone", address="1 Baker Street, London NW1 6XE", time_zone="Europe/London"
    )


@pytest.fixture
def garden_room(london: Location) -> Room:
    return RoomFactory(location=london, name="Garden room")


def hours_data(rows: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    """Return the working-hours formset's POST data for the rows (a blank extra row is a row of '')."""
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(initial),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "70",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"form-{index}-{name}"] = value
    return data


def week_of(therapist: Therapist) -> list[tuple[int, time, time, str]]:
    return list(
        WorkingHours.objects.filter(therapist=therapist)
        .order_by("weekday", "start")
        .values_list("weekday", "start", "end", "location__name")
    )


# --- The working-hours form --------------------------------------------------------------


def test_with_one_location_the_form_asks_no_where_and_the_hours_are_there(
    therapist: Therapist, home: Location, clock: Any
) -> None:
    client = client_for(therapist.user)
    page = client.get(reverse("therapists:working_hours")).content.decode()
    assert "form-0-location" not in page
    assert f"Your weekly hours at {escape(home.name)}, in its local time (America/New_York)" in page

    response = client.post(
        reverse("therapists:working_hours"), hours_data([{"weekday": "1", "start": "09:00", "end": "12:00"}])
    )
    assert response.status_code == 302
    assert week_of(therapist) == [(1, time(9), time(12), home.name)]


def test_with_two_locations_each_span_says_where(
    therapist: Therapist, home: Location, london: Location, clock: Any
) -> None:
    client = client_for(therapist.user)
    page = client.get(reverse("therapists:working_hours")).content.decode()
    assert '<th scope="col">Where</th>' in page
    assert 'name="form-0-location"' in page
    assert "London Marylebone: Europe/London" in page
    # The stored spans show their location chosen.
    assert f'<option value="{home.pk}" selected>{escape(home.name)}</option>' in page

    rows = [
        {"weekday": "1", "start": "08:00", "end": "12:00", "location": str(london.pk)},
        {"weekday": "1", "start": "13:00", "end": "17:00", "location": str(home.pk)},
        # The untouched extra row, its select left on the first location: still blank, skipped.
        {"weekday": "", "start": "", "end": "", "location": str(home.pk)},
    ]
    response = client.post(reverse("therapists:working_hours"), hours_data(rows))
    assert response.status_code == 302, response.content.decode()
    assert week_of(therapist) == [(1, time(8), time(12), "London Marylebone"), (1, time(13), time(17), home.name)]

    again = client.get(reverse("therapists:working_hours")).content.decode()
    assert f'<option value="{london.pk}" selected>London Marylebone</option>' in again


def test_a_location_outside_the_choices_is_refused_and_nothing_changes(
    therapist: Therapist, home: Location, london: Location, clock: Any
) -> None:
    closed = LocationFactory(name="Closed annex", is_active=False)
    before = week_of(therapist)
    rows = [{"weekday": "1", "start": "09:00", "end": "12:00", "location": str(closed.pk)}]
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), hours_data(rows))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert week_of(therapist) == before


def test_spans_of_one_day_never_overlap_wherever_they_are(
    therapist: Therapist, home: Location, london: Location, clock: Any
) -> None:
    rows = [
        {"weekday": "1", "start": "09:00", "end": "12:00", "location": str(london.pk)},
        {"weekday": "1", "start": "11:00", "end": "15:00", "location": str(home.pk)},
    ]
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), hours_data(rows))
    assert response.status_code == 400
    assert "Tuesday 11:00 AM\u20133:00 PM overlaps 9:00 AM\u201312:00 PM." in response.content.decode()


# --- The API's working hours -------------------------------------------------------------


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_gives_each_span_its_location_and_writes_it(
    therapist: Therapist, home: Location, london: Location, clock: Any
) -> None:
    client = api_for(therapist.user)
    spans = [
        {"weekday": 2, "start": "08:00", "end": "12:00", "location": {"id": london.pk}},
        {"weekday": 2, "start": "13:00", "end": "17:00"},  # no location: the first one
    ]
    response = client.put(f"{API}/working-hours/", {"spans": spans}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["spans"] == [
        {
            "weekday": 2,
            "start": "08:00:00",
            "end": "12:00:00",
            "location": {"id": london.pk, "name": "London Marylebone", "time_zone": "Europe/London"},
        },
        {
            "weekday": 2,
            "start": "13:00:00",
            "end": "17:00:00",
            "location": {"id": home.pk, "name": home.name, "time_zone": "America/New_York"},
        },
    ]
    assert week_of(therapist) == [(2, time(8), time(12), "London Marylebone"), (2, time(13), time(17), home.name)]


@pytest.mark.parametrize("which", ["unknown", "inactive"])
def test_the_api_refuses_an_unknown_or_inactive_location_with_a_field_message(
    therapist: Therapist, home: Location, which: str, clock: Any
) -> None:
    location_id = 987654 if which == "unknown" else LocationFactory(name="Closed annex", is_active=False).pk
    before = week_of(therapist)
    spans = [
        {"weekday": 2, "start": "09:00", "end": "12:00"},
        {"weekday": 3, "start": "09:00", "end": "12:00", "location": {"id": location_id}},
    ]
    response = api_for(therapist.user).put(f"{API}/working-hours/", {"spans": spans}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["spans[1].location"]
    assert f"no active location with id {location_id}" in error["fields"]["spans[1].location"]
    assert week_of(therapist) == before


# --- My schedule -------------------------------------------------------------------------


def test_a_london_session_is_on_londons_date_with_londons_clock_its_location_and_room(
    therapist: Therapist, patient: User, massage_type: MassageType, garden_room: Room, clock: Any
) -> None:
    # 00:30 on Wednesday 4 March in London is 19:30 on Tuesday 3 March in the clinic's zone.
    session = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=garden_room,
        start=datetime(2026, 3, 4, 0, 30, tzinfo=LONDON),
    )
    assert sessions_between(therapist, date(2026, 3, 3), date(2026, 3, 3)) == []
    assert sessions_between(therapist, date(2026, 3, 4), date(2026, 3, 4)) == [session]

    client = client_for(therapist.user)
    tuesday = client.get(reverse("therapists:day"), {"date": "2026-03-03"}).content.decode()
    assert "No sessions on this day." in tuesday
    wednesday = client.get(reverse("therapists:day"), {"date": "2026-03-04"}).content.decode()
    assert "12:30\u20131:30 AM GMT" in wednesday
    assert "London Marylebone · Garden room" in wednesday
    assert "Times are local time at the location: <strong>Europe/London</strong> (GMT)." in wednesday

    week = client.get(reverse("therapists:week"), {"date": "2026-03-04"}).content.decode()
    wednesday_column = week[week.index('id="day-20260304"') : week.index('id="day-20260305"')]
    assert "12:30\u20131:30 AM GMT" in wednesday_column

    detail = client.get(reverse("therapists:session", args=[session.pk])).content.decode()
    assert "London Marylebone · Garden room" in detail
    assert "?date=2026-03-04" in detail  # back to London's day


def test_a_day_at_two_locations_says_each_time_is_local(
    therapist: Therapist, patient: User, other_patient: User, massage_type: MassageType, garden_room: Room, clock: Any
) -> None:
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=garden_room,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=LONDON),
    )
    AppointmentFactory(
        patient=other_patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 14, 0, tzinfo=ZoneInfo("America/New_York")),
    )
    page = client_for(therapist.user).get(reverse("therapists:day"), {"date": "2026-03-04"}).content.decode()
    assert (
        "Times are each session's local time at its location: <strong>America/New_York, Europe/London</strong>" in page
    )
    assert page.index("10:00\u201311:00 AM GMT") < page.index("2:00\u20133:00 PM EST")


def test_the_schedule_api_gives_each_sessions_location_room_and_local_offset(
    therapist: Therapist, patient: User, massage_type: MassageType, garden_room: Room, clock: Any
) -> None:
    session = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=garden_room,
        start=datetime(2026, 3, 4, 0, 30, tzinfo=LONDON),
    )
    client = api_for(therapist.user)
    tuesday = client.get(f"{API}/schedule/", {"date_from": "2026-03-03", "date_to": "2026-03-03"}).json()
    assert tuesday["sessions"] == []
    wednesday = client.get(f"{API}/schedule/", {"date_from": "2026-03-04", "date_to": "2026-03-04"}).json()
    (item,) = wednesday["sessions"]
    assert item["id"] == session.pk
    assert item["start"] == "2026-03-04T00:30:00+00:00"
    assert item["end"] == "2026-03-04T01:30:00+00:00"
    assert item["location"] == {
        "id": garden_room.location_id,
        "name": "London Marylebone",
        "time_zone": "Europe/London",
    }
    assert item["room"] == {"id": garden_room.pk, "name": "Garden room"}


def test_a_session_is_inside_hours_only_at_the_location_the_hours_are(
    therapist: Therapist, patient: User, massage_type: MassageType, london: Location, garden_room: Room, clock: Any
) -> None:
    # Wednesday 10:00 in London: Carol's Wednesday hours are at home, 09:00-12:00 there.
    session = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=garden_room,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=LONDON),
    )
    assert sessions_outside_hours(therapist, timezone.now()) == [session]
    WorkingHours.objects.filter(therapist=therapist, weekday=2, start=time(9)).update(location=london)
    assert sessions_outside_hours(therapist, timezone.now()) == []


# --- The admin ---------------------------------------------------------------------------


def test_the_admin_shows_and_edits_each_spans_location(
    admin_client: Any, therapist: Therapist, home: Location, london: Location, clock: Any
) -> None:
    WorkingHours.objects.filter(therapist=therapist, weekday=2, start=time(9)).update(location=london)
    listing = admin_client.get(reverse("admin:therapists_workinghours_changelist")).content.decode()
    assert "London Marylebone" in listing
    page = admin_client.get(reverse("admin:therapists_therapist_change", args=[therapist.pk])).content.decode()
    assert 'name="working_hours-0-location"' in page
    assert "London Marylebone" in page
