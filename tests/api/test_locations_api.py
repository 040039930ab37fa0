"""Locations in the API: the open list, availability at one location, and where each appointment is."""

from __future__ import annotations

import json
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from locations.models import Location, default_location
from tests.api.conftest import error_of, token_client
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory, TherapistFactory, UserFactory
from therapists.models import Therapist, WorkingHours

LOCATIONS = "/api/v1/locations/"
AVAILABILITY = "/api/v1/availability/"
APPOINTMENTS = "/api/v1/appointments/"
CHICAGO = ZoneInfo("America/Chicago")
FRIDAY = "2026-03-06"


def works_at(therapist: Therapist, location: Location, weekday: int, start: int, end: int) -> None:
    """Give the therapist one span of a weekday at the location (wall-clock hours of its zone)."""
    WorkingHours.objects.create(
        therapist=therapist, location=location, weekday=weekday, start=time(start), end=time(end)
    )


@pytest.fixture
def lakeside(db: None) -> Location:
    """A second location, an hour behind the clinic, with one plain room."""
    default_location()  # the clinic's first location exists before it, as in any clinic that grows
    location = LocationFactory(
        name="Lakeside", address="400 Lake Shore Drive, Chicago, IL 60611", time_zone="America/Chicago"
    )
    RoomFactory(location=location, name="Lake room")
    return location


@pytest.fixture
def eve(db: None, massage_type, lakeside: Location) -> Therapist:
    """Eve works at Lakeside only, Fridays 09:00-12:00 Chicago time."""
    therapist = TherapistFactory(display_name="Eve Evans", massage_types=[massage_type])
    works_at(therapist, lakeside, weekday=4, start=9, end=12)
    return therapist


# --- GET /api/v1/locations/ -----------------------------------------------------------


@pytest.mark.django_db
def test_anyone_reads_the_open_locations_in_their_order(api, settings):
    downtown = default_location()
    uptown = LocationFactory(name="Uptown", address="200 Beacon Street, Boston, MA 02116", phone="", display_order=5)
    LocationFactory(name="Closed for good", is_active=False)

    response = api.get(LOCATIONS)

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": downtown.pk,
            "name": downtown.name,
            "address": downtown.address,
            "phone": downtown.phone_number,
            "time_zone": "America/New_York",
        },
        # No number of its own: the clinic's, so a patient always has one to call.
        {
            "id": uptown.pk,
            "name": "Uptown",
            "address": "200 Beacon Street, Boston, MA 02116",
            "phone": settings.CLINIC_PHONE,
            "time_zone": "America/New_York",
        },
    ]


@pytest.mark.django_db
def test_the_locations_answer_304_to_the_tag_they_gave_until_a_location_changes(api):
    uptown = LocationFactory(name="Uptown")
    first = api.get(LOCATIONS)
    tag = first["ETag"]
    assert tag.startswith('W/"')

    again = api.get(LOCATIONS, HTTP_IF_NONE_MATCH=tag)
    assert again.status_code == 304
    assert again.content == b""

    Location.objects.filter(pk=uptown.pk).update(address="1 New Street, Boston, MA 02118")
    changed = api.get(LOCATIONS, HTTP_IF_NONE_MATCH=tag)
    assert changed.status_code == 200
    assert changed["ETag"] != tag


@pytest.mark.django_db
def test_the_locations_cannot_be_written(api, admin_user):
    api.force_authenticate(admin_user)

    response = api.post(LOCATIONS, {"name": "Pop-up"}, format="json")

    assert response.status_code == 405
    assert not Location.objects.filter(name="Pop-up").exists()


# --- Availability at a location -------------------------------------------------------


@pytest.mark.django_db
def test_availability_at_a_location_gives_its_slots_in_its_zone(api, clock, therapist, eve, massage_type, lakeside):
    response = api.get(
        AVAILABILITY, {"massage_type": massage_type.pk, "date_from": FRIDAY, "date_to": FRIDAY, "location": lakeside.pk}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "America/Chicago"
    # Only Eve works there; 09:00 in Chicago is 10:00 in the clinic's zone.
    assert {slot["therapist"] for slot in body["slots"]} == {eve.pk}
    assert {slot["location"] for slot in body["slots"]} == {lakeside.pk}
    assert body["slots"][0] == {
        "start": "2026-03-06T09:00:00-06:00",
        "end": "2026-03-06T10:00:00-06:00",
        "therapist": eve.pk,
        "location": lakeside.pk,
    }
    assert body["days"] == [{"date": FRIDAY, "open": True}]


@pytest.mark.django_db
def test_availability_anywhere_names_each_slot_location_at_its_own_offset(
    api, clock, therapist, eve, massage_type, lakeside
):
    response = api.get(AVAILABILITY, {"massage_type": massage_type.pk, "date_from": FRIDAY, "date_to": FRIDAY})

    body = response.json()
    assert body["time_zone"] == "America/New_York"
    by_location = {slot["location"]: slot for slot in reversed(body["slots"])}
    assert set(by_location) == {default_location().pk, lakeside.pk}
    assert by_location[default_location().pk]["start"] == "2026-03-06T09:00:00-05:00"
    assert by_location[lakeside.pk]["start"] == "2026-03-06T09:00:00-06:00"


@pytest.mark.django_db
def test_days_at_a_location_are_closed_where_nobody_works_there(api, clock, eve, massage_type, lakeside):
    downtown = default_location()

    def days(location: Location) -> dict[str, bool]:
        params = {
            "massage_type": massage_type.pk,
            "date_from": "2026-03-05",
            "date_to": FRIDAY,
            "location": location.pk,
        }
        return {day["date"]: day["open"] for day in api.get(AVAILABILITY, params).json()["days"]}

    assert days(lakeside) == {"2026-03-05": False, FRIDAY: True}
    assert days(downtown) == {"2026-03-05": False, FRIDAY: False}


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["999999", "inactive", "uptown"])
def test_an_unknown_or_closed_location_is_a_field_error(api, clock, therapist, massage_type, value):
    closed = LocationFactory(name="Closed", is_active=False)
    location = {"999999": "999999", "inactive": str(closed.pk), "uptown": "uptown"}[value]

    response = api.get(
        AVAILABILITY, {"massage_type": massage_type.pk, "date_from": FRIDAY, "date_to": FRIDAY, "location": location}
    )

    assert response.status_code == 400
    error = error_of(response)
    assert set(error["fields"]) == {"location"}
    assert "location" in error["fields"]["location"]


@pytest.mark.django_db
def test_the_therapists_can_be_asked_for_one_location(api, therapist, eve, massage_type, lakeside):
    def names(location: Location) -> set[str]:
        answer = api.get("/api/v1/therapists/", {"massage_type": massage_type.pk, "location": location.pk})
        return {row["display_name"] for row in answer.json()}

    assert names(lakeside) == {"Eve Evans"}
    assert names(default_location()) == {"Carol Chen"}
    assert api.get("/api/v1/therapists/", {"location": "999999"}).status_code == 400


# --- Appointments say where they are --------------------------------------------------


@pytest.mark.django_db
def test_an_appointment_names_its_location_not_its_room_and_its_times_are_in_the_location_zone(
    clock, patient, eve, massage_type, lakeside
):
    alice = token_client(patient)
    start = datetime(2026, 3, 6, 9, 0, tzinfo=CHICAGO)

    booked = alice.post(
        APPOINTMENTS, {"massage_type": massage_type.pk, "therapist": eve.pk, "start": start.isoformat()}, format="json"
    )

    assert booked.status_code == 201, booked.json()
    body = booked.json()
    assert body["location"] == {
        "id": lakeside.pk,
        "name": "Lakeside",
        "address": "400 Lake Shore Drive, Chicago, IL 60611",
        "phone": lakeside.phone_number,
        "time_zone": "America/Chicago",
    }
    assert "room" not in body
    assert body["start"] == "2026-03-06T09:00:00-06:00"
    assert body["end"] == "2026-03-06T10:00:00-06:00"
    assert body["change_deadline"] == "2026-03-05T09:00:00-06:00"
    assert body["created_at"].endswith("-06:00")
    listed = alice.get(f"{APPOINTMENTS}{body['id']}/").json()
    assert listed["location"]["id"] == lakeside.pk
    assert listed["start"] == body["start"]


@pytest.mark.django_db
def test_the_list_reads_with_a_fixed_number_of_queries_whatever_the_locations(clock, massage_type):
    patient = UserFactory()
    client = token_client(patient)
    therapist = TherapistFactory(massage_types=[massage_type])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(APPOINTMENTS).status_code == 200
        return len(queries)

    AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type)
    one = count()
    for day in range(5):
        place = LocationFactory(time_zone="Europe/Berlin" if day % 2 else "America/Denver")
        AppointmentFactory(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            room=RoomFactory(location=place),
            start=datetime(2026, 3, 10 + day, 10, tzinfo=CLINIC_ZONE),
        )

    assert client.get(APPOINTMENTS).json()["count"] == 6
    assert count() == one


# --- The schema -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_describes_locations_slots_and_appointments(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    components = schema["components"]["schemas"]

    assert "get" in schema["paths"]["/api/v1/locations/"]
    assert set(components["Location"]["properties"]) == {"id", "name", "address", "phone", "time_zone"}
    assert "location" in components["Slot"]["properties"]
    appointment = components["Appointment"]["properties"]
    assert "#/components/schemas/Location" in json.dumps(appointment["location"])
    assert "room" not in appointment
    parameters = {p["name"] for p in schema["paths"]["/api/v1/availability/"]["get"]["parameters"]}
    assert "location" in parameters
