"""Availability's ETag comes from version stamps (booking.stamps): one query revalidates, any change re-answers."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking import holds, services
from booking.models import MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    RoomFactory,
    TherapistFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)
from therapists.models import Therapist, WorkingHours

AVAILABILITY = "/api/v1/availability/"
WEDNESDAY = {"date_from": "2026-03-04", "date_to": "2026-03-04"}


def query(massage_type: MassageType, **extra: str) -> dict[str, str]:
    return {"massage_type": str(massage_type.pk), **WEDNESDAY, **extra}


def starts(response) -> list[str]:
    return [slot["start"] for slot in response.json()["slots"]]


@pytest.mark.django_db
def test_a_revalidation_costs_one_query_and_answers_304(clock, therapist: Therapist, massage_type: MassageType) -> None:
    client = Client()
    first = client.get(AVAILABILITY, query(massage_type))

    with CaptureQueriesContext(connection) as queries:
        again = client.get(AVAILABILITY, query(massage_type), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_booking_bumps_the_tag_and_the_new_answer_shows_it(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    client = Client()
    before = client.get(AVAILABILITY, query(massage_type))
    assert client.get(AVAILABILITY, query(massage_type), HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    booked = datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE)

    services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=booked)
    after = client.get(AVAILABILITY, query(massage_type), HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert booked.isoformat() in starts(before)
    assert booked.isoformat() not in starts(after)


@pytest.mark.django_db
def test_a_cancellation_and_a_hold_bump_the_tag(
    clock, therapist: Therapist, massage_type: MassageType, patient: User, other_patient: User
) -> None:
    client = Client()
    appointment = services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
    )
    tags = [client.get(AVAILABILITY, query(massage_type))["ETag"]]

    services.cancel(appointment=appointment, by=patient)
    tags.append(client.get(AVAILABILITY, query(massage_type))["ETag"])
    held = holds.hold(
        patient=other_patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE),
        expires_at=datetime(2026, 3, 2, 20, tzinfo=CLINIC_ZONE),
        now=datetime(2026, 3, 2, 8, tzinfo=CLINIC_ZONE),
    )
    tags.append(client.get(AVAILABILITY, query(massage_type))["ETag"])
    holds.release_hold(appointment=held, now=datetime(2026, 3, 2, 9, tzinfo=CLINIC_ZONE))
    tags.append(client.get(AVAILABILITY, query(massage_type))["ETag"])

    assert len(set(tags)) == 4


@pytest.mark.django_db
def test_a_booking_on_another_date_or_at_another_location_leaves_the_tag(
    clock, therapist: Therapist, massage_type: MassageType, patient: User, other_patient: User
) -> None:
    uptown = LocationFactory(name="Uptown")
    RoomFactory(location=uptown)
    elsewhere = TherapistFactory(massage_types=[massage_type])
    for weekday in range(7):
        WorkingHoursFactory(therapist=elsewhere, location=uptown, weekday=weekday, start=time(9), end=time(17))
    client = Client()
    downtown = str(WorkingHours.objects.filter(therapist=therapist).values_list("location_id", flat=True)[0])
    first = client.get(AVAILABILITY, query(massage_type, location=downtown))

    services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 10, 9, tzinfo=CLINIC_ZONE),
    )
    services.book(
        patient=other_patient,
        therapist=elsewhere,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
    )

    again = client.get(AVAILABILITY, query(massage_type, location=downtown), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_time_off_and_new_hours_bump_the_tag(clock, therapist: Therapist, massage_type: MassageType) -> None:
    client = Client()
    tags = [client.get(AVAILABILITY, query(massage_type))["ETag"]]

    TimeOffFactory(
        therapist=therapist,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
        end=datetime(2026, 3, 4, 11, tzinfo=CLINIC_ZONE),
    )
    tags.append(client.get(AVAILABILITY, query(massage_type))["ETag"])
    massage_type.duration_minutes = 30
    massage_type.save()
    tags.append(client.get(AVAILABILITY, query(massage_type))["ETag"])

    assert len(set(tags)) == 3


@pytest.mark.django_db
def test_the_clock_moving_past_a_grid_line_changes_the_tag(
    clock: time_machine.Traveller, therapist: Therapist, massage_type: MassageType
) -> None:
    client = Client()
    today = {"massage_type": str(massage_type.pk), "date_from": "2026-03-02", "date_to": "2026-03-02"}
    first = client.get(AVAILABILITY, today)

    clock.shift(timedelta(minutes=20))  # the minimum notice now hides one more start
    later = client.get(AVAILABILITY, today, HTTP_IF_NONE_MATCH=first["ETag"])

    assert later.status_code == 200
    assert len(starts(later)) < len(starts(first))


@pytest.mark.django_db(transaction=True)
def test_a_stale_tag_never_hides_a_booking_made_by_another_connection(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    client = Client()
    stale = client.get(AVAILABILITY, query(massage_type))
    booked = datetime(2026, 3, 4, 13, tzinfo=CLINIC_ZONE)

    services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=booked)

    for tag in (stale["ETag"], f'W/"x", {stale["ETag"]}'):
        answer = client.get(AVAILABILITY, query(massage_type), HTTP_IF_NONE_MATCH=tag)
        assert answer.status_code == 200
        assert booked.isoformat() not in starts(answer)


@pytest.mark.django_db
def test_a_kept_answer_is_shared_until_any_save_of_a_session_changes_it(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    first = Client().get(AVAILABILITY, query(massage_type))
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(AVAILABILITY, query(massage_type))
    assert second.content == first.content
    assert len(queries) == 1  # the stamps: the answer was kept under its tag

    # Written straight to the table, as an admin's import might: its save still bumps the day.
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
    )
    third = Client().get(AVAILABILITY, query(massage_type))

    assert third["ETag"] != first["ETag"]
    assert "2026-03-04T09:00:00-05:00" in starts(first)
    assert "2026-03-04T09:00:00-05:00" not in starts(third)
