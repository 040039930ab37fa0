"""Twenty therapists race for the one suitable room: one booking, clean refusals, no shared room in SQL."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import partial

import pytest
from django.db import connection

from booking import services
from booking.exceptions import BookingError, SlotTaken
from booking.models import Appointment
from tests.booking.test_race import THREADS, run_together
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    LocationFactory,
    MassageTypeFactory,
    RoomFactory,
    RoomFeatureFactory,
    TherapistFactory,
    UserFactory,
)
from therapists.models import WorkingHours

WEDNESDAY = date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def rooms_shared_at_once() -> list[tuple]:
    """Pairs of active appointments in one room whose blocked spans overlap, by SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, b.id
            FROM booking_appointment a
            JOIN booking_appointment b
              ON a.room_id = b.room_id AND a.id < b.id
             AND tstzrange(a.start, a.blocked_until) && tstzrange(b.start, b.blocked_until)
            WHERE a.status IN ('confirmed', 'completed', 'no_show')
              AND b.status IN ('confirmed', 'completed', 'no_show')
            """
        )
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_twenty_therapists_racing_for_the_one_heated_room_get_one_booking(clock) -> None:
    location = LocationFactory.create(name="Uptown")
    heated = RoomFeatureFactory(name="Heated table", slug="heated-table")
    hot_stone = MassageTypeFactory(name="Hot stone", slug="hot-stone", duration_minutes=60, buffer_minutes=15)
    hot_stone.needs_features.set([heated])
    RoomFactory(location=location, name="Room B", features=[heated])
    RoomFactory(location=location, name="Room A")  # free, but without a heated table
    therapists = [TherapistFactory.create(massage_types=[hot_stone], room=False) for _ in range(THREADS)]
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, location=location, weekday=WEDNESDAY.weekday(), start=time(9), end=time(17))
        for t in therapists
    )
    patients = [UserFactory() for _ in range(THREADS)]
    start = datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE)

    results = run_together(
        [
            partial(services.book, patient=p, therapist=t, massage_type=hot_stone, start=start)
            for p, t in zip(patients, therapists, strict=True)
        ]
    )

    winners = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, SlotTaken)]
    assert len(winners) == 1
    assert len(refused) == THREADS - 1, [r for r in results if not isinstance(r, Appointment | SlotTaken)]
    assert all(isinstance(r, BookingError) and r.status == 409 for r in refused)
    assert Appointment.objects.active().count() == 1
    assert rooms_shared_at_once() == []


@pytest.mark.django_db(transaction=True)
def test_twenty_therapists_racing_for_two_rooms_across_an_afternoon_never_share_one(clock) -> None:
    location = LocationFactory.create(name="Uptown")
    kind = MassageTypeFactory(name="Swedish", slug="swedish", duration_minutes=60, buffer_minutes=15)
    RoomFactory(location=location, name="Room A")
    RoomFactory(location=location, name="Room B")
    therapists = [TherapistFactory.create(massage_types=[kind], room=False) for _ in range(THREADS)]
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, location=location, weekday=WEDNESDAY.weekday(), start=time(9), end=time(18))
        for t in therapists
    )
    starts = [datetime(2026, 3, 4, 13 + (i % 4), 15 * (i % 3), tzinfo=CLINIC_ZONE) for i in range(THREADS)]

    results = run_together(
        [
            partial(services.book, patient=p, therapist=t, massage_type=kind, start=s)
            for t, s, p in zip(therapists, starts, [UserFactory() for _ in range(THREADS)], strict=True)
        ]
    )

    assert all(isinstance(r, Appointment | SlotTaken) for r in results), [type(r).__name__ for r in results]
    assert 2 <= sum(isinstance(r, Appointment) for r in results) <= 8  # two rooms, 75-minute blocks, 13:00-17:45
    assert rooms_shared_at_once() == []
