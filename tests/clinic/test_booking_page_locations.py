"""Booking pages and locations: one location asks nothing, several ask "Where?" first; pages say where sessions are."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from clinic.models import User
from locations.models import Location, default_location
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory

CHICAGO = ZoneInfo("America/Chicago")


def booking_config(html: str) -> dict[str, Any]:
    found = re.search(r'<script id="booking-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the book page has no booking-config"
    return json.loads(found.group(1))


def step_numbers(html: str) -> list[str]:
    return re.findall(r'<span class="step__number">(\d+)</span>', html)


@pytest.fixture
def uptown(db: None) -> Location:
    default_location()  # the clinic's first location, as every clinic has
    location = LocationFactory(name="Uptown", address="200 Beacon Street, Boston, MA 02116", display_order=5)
    RoomFactory(location=location, name="Room A")
    return location


@pytest.fixture
def patient_client(patient: User) -> Client:
    client = Client()
    client.force_login(patient)
    return client


@pytest.mark.django_db
def test_with_one_location_the_page_asks_nothing_about_where(client: Client) -> None:
    only = default_location()
    LocationFactory(name="Closed for now", is_active=False)

    html = client.get(reverse("book")).content.decode()

    assert 'id="step-where"' not in html
    assert "Five short steps." in html
    assert step_numbers(html) == ["1", "2", "3", "4", "5"]
    assert re.search(r'<section class="step" id="step-type" aria-labelledby="step-type-title">', html)
    config = booking_config(html)
    assert [location["id"] for location in config["locations"]] == [only.pk]
    assert config["locations"][0]["address"] == only.address
    assert config["lastLocation"] is None


@pytest.mark.django_db
def test_with_several_locations_where_comes_first_and_lists_the_open_ones(client: Client, uptown: Location) -> None:
    LocationFactory(name="Closed for now", address="1 Gone Street", is_active=False)
    downtown = default_location()

    html = client.get(reverse("book")).content.decode()

    assert "Six short steps." in html
    assert step_numbers(html) == ["1", "2", "3", "4", "5", "6"]
    where = html[html.index('id="step-where"') : html.index('id="step-type"')]
    assert "Where?" in where
    for location in (downtown, uptown):
        assert f'id="location-{location.pk}" value="{location.pk}"' in where
        assert escape(location.name) in where and escape(location.address) in where
    assert "Closed for now" not in html
    assert " checked" not in where, "nothing is chosen for a first visit"
    # The massages wait (in the page, without a shift) until the patient has said where.
    assert re.search(r'id="step-type" aria-labelledby="step-type-title" hidden>', html)
    assert 'id="type-options"' in html
    config = booking_config(html)
    assert [location["name"] for location in config["locations"]] == [downtown.name, "Uptown"]
    assert config["locations"][1]["time_zone"] == "America/New_York"


@pytest.mark.django_db
def test_the_location_of_the_last_booking_is_chosen_and_folded(
    patient: User, patient_client: Client, therapist: Any, massage_type: Any, uptown: Location
) -> None:
    AppointmentFactory(
        patient=patient, therapist=therapist, massage_type=massage_type, room=default_location().rooms.first()
    )
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=uptown.rooms.get(),
        start=datetime(2026, 3, 20, 10, tzinfo=CLINIC_ZONE),
    )

    html = patient_client.get(reverse("book")).content.decode()

    assert booking_config(html)["lastLocation"] == uptown.pk
    assert re.search(rf'id="location-{uptown.pk}" value="{uptown.pk}" checked>', html)
    assert '<p class="step__summary" id="step-where-summary">Uptown · 200 Beacon Street, Boston, MA 02116</p>' in html
    assert re.search(r'<section class="step step--done" id="step-where"', html)
    assert re.search(r'<section class="step" id="step-type" aria-labelledby="step-type-title">', html)


@pytest.mark.django_db
def test_a_last_booking_at_a_closed_location_chooses_nothing(
    patient: User, patient_client: Client, therapist: Any, massage_type: Any, uptown: Location
) -> None:
    LocationFactory(name="Midtown")  # still two open locations once Uptown closes
    AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type, room=uptown.rooms.get())
    uptown.is_active = False
    uptown.save()

    html = patient_client.get(reverse("book")).content.decode()

    assert booking_config(html)["lastLocation"] is None
    assert "Uptown" not in html


@pytest.mark.django_db
def test_the_scripts_send_the_location_with_every_availability_and_therapist_request() -> None:
    from django.conf import settings

    scripts = settings.BASE_DIR / "static" / "js"
    for module in ("booking/time.js", "booking/confirm.js", "booking/therapist.js", "my-appointments.js"):
        assert "location:" in (scripts / module).read_text(), module


# --- My appointments and the confirmation page ------------------------------------------


@pytest.fixture
def lakeside(db: None) -> Location:
    default_location()
    location = LocationFactory(
        name="Lakeside", address="400 Lake Shore Drive, Chicago, IL 60611", time_zone="America/Chicago"
    )
    RoomFactory(location=location, name="Lake room")
    return location


@pytest.mark.django_db
def test_my_appointments_say_where_each_session_is_in_its_zone(
    clock: Any, patient: User, patient_client: Client, therapist: Any, massage_type: Any, lakeside: Location
) -> None:
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=lakeside.rooms.get(),
        start=datetime(2026, 3, 6, 9, 0, tzinfo=CHICAGO),
    )
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 6, 15, 0, tzinfo=CLINIC_ZONE),
    )
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=lakeside.rooms.get(),
        start=datetime(2026, 2, 20, 11, 0, tzinfo=CHICAGO),
        status="completed",
    )

    html = patient_client.get(reverse("my_appointments")).content.decode()

    cards = re.findall(r'<li class="card appointment[^"]*"(.*?)</li>', html, re.S)
    assert len(cards) == 3
    chicago, boston, past = cards
    assert "Lakeside · 400 Lake Shore Drive, Chicago, IL 60611" in chicago
    assert "Friday, March 6, 2026 at 9:00 AM" in chicago and "(CST)" in chicago
    assert 'data-time-zone="America/Chicago"' in chicago
    assert f'data-location="{lakeside.pk}"' in chicago
    assert 'data-start="2026-03-06T09:00:00-06:00"' in chicago
    assert "Free to cancel or move online until Thursday, March 5, 2026 at 9:00 AM." in chicago
    downtown = default_location()
    assert escape(f"{downtown.name} · {downtown.address}") in boston
    assert "Friday, March 6, 2026 at 3:00 PM" in boston and "(EST)" in boston
    assert "Lakeside" in past and "Friday, February 20, 2026 at 11:00 AM" in past


@pytest.mark.django_db
def test_my_appointments_read_with_a_fixed_number_of_queries(
    clock: Any, patient: User, patient_client: Client, therapist: Any, massage_type: Any, lakeside: Location
) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert patient_client.get(reverse("my_appointments")).status_code == 200
        return len(queries)

    AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type)
    one = count()
    for day in range(4):
        place = LocationFactory(time_zone="America/Denver")
        AppointmentFactory(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            room=RoomFactory(location=place),
            start=datetime(2026, 3, 10 + day, 10, tzinfo=CLINIC_ZONE),
        )

    assert count() == one


@pytest.mark.django_db
def test_the_confirmation_page_gives_the_location_address_and_its_zone(
    clock: Any, patient: User, patient_client: Client, therapist: Any, massage_type: Any, lakeside: Location
) -> None:
    appointment = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=lakeside.rooms.get(),
        start=datetime(2026, 3, 6, 9, 0, tzinfo=CHICAGO),
    )

    html = patient_client.get(reverse("booking_confirmed", args=[appointment.pk])).content.decode()

    assert "<dt>Where</dt><dd>Lakeside, 400 Lake Shore Drive, Chicago, IL 60611</dd>" in html
    assert "Friday, March 6, 2026 at 9:00 AM" in html
    assert "(America/Chicago, CST)" in html
