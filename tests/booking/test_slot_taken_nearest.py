"""A taken time is refused with the nearest free times of that day, however it was found taken.

Availability may be read from a lagging replica: a slot offered from stale data is refused
by the booking (which reads the primary), and the refusal offers what is free instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import time, timedelta
from typing import Any

import pytest
import time_machine
from django.db import IntegrityError, connection, connections

from booking import holds, services
from booking.exceptions import SlotTaken
from booking.models import Appointment, MassageType
from clinic.models import User
from locations.models import default_location
from tests.booking.test_race import WEDNESDAY, at
from tests.factories import AppointmentFactory, LocationFactory, RoomFactory, TherapistFactory, room_of
from therapists.models import Therapist, WorkingHours


@contextmanager
def taken_just_before(sql_part: str, take: Callable[[], object]) -> Iterator[list[object]]:
    """Run `take` on another connection, committed, just before this connection's first statement holding `sql_part`.

    The booking's checks have passed by then: the database's constraint alone refuses it,
    as it does when two requests race. Yields what `take` returned (once it ran).
    """
    taken: list[object] = []

    def other_connection() -> None:
        try:
            taken.append(take())
        except Exception as exc:  # the test asserts on it
            taken.append(exc)
        finally:
            connections.close_all()

    def hook(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        if not taken and sql_part in sql:
            thread = threading.Thread(target=other_connection)
            thread.start()
            thread.join(timeout=30)
            assert not thread.is_alive(), "the other writer waited on this booking's locks"
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        yield taken


def intruder(massage_type: MassageType) -> Therapist:
    """Another therapist, without a room of their own: their session takes Carol's room."""
    return TherapistFactory.create(display_name="Ivy Irwin", massage_types=[massage_type], room=False)


def refused_by_the_constraint(refusal: SlotTaken) -> bool:
    """Return whether the refusal came from the exclusion constraint on the insert or update."""
    cause = refusal.__cause__
    return isinstance(cause, SlotTaken) and isinstance(cause.__cause__, IntegrityError)


@pytest.mark.django_db
def test_a_taken_time_offers_the_nearest_free_times_in_the_message_and_by_the_start(
    clock: time_machine.Traveller, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    # Bob holds Carol 10:30-11:30, the room turned over until 11:45; her morning ends at 12:00.
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(10, 30))

    with pytest.raises(SlotTaken) as refused:
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10, 30))

    sentence = "The nearest free times that day are 9:15 AM or 1:00 PM."
    assert refused.value.message == f"Sorry, that time was just taken. {sentence}"
    assert refused.value.fields == {"start": sentence}
    assert refused.value.nearest == (at(9, 15), at(13))
    assert not Appointment.objects.filter(patient=patient).exists()


@pytest.mark.django_db
def test_staff_are_offered_the_nearest_times_by_the_clinics_rules(
    clock: time_machine.Traveller,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
) -> None:
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(10, 30))
    clock.move_to(at(8))  # online bookings need two hours' notice: 9:15 is too soon for a patient

    with pytest.raises(SlotTaken) as online:
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10, 30))
    with pytest.raises(SlotTaken) as at_the_desk:
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10, 30), by=admin_user)

    assert online.value.fields["start"] == "The nearest free times that day are 1:00 PM."
    assert at_the_desk.value.fields["start"] == "The nearest free times that day are 9:15 AM or 1:00 PM."


@pytest.mark.django_db
def test_a_therapist_with_no_other_free_time_that_day_says_so(
    clock: time_machine.Traveller, patient: User, other_patient: User, massage_type: MassageType
) -> None:
    eve = TherapistFactory.create(display_name="Eve Evans", massage_types=[massage_type])
    WorkingHours.objects.create(therapist=eve, weekday=WEDNESDAY.weekday(), start=time(10), end=time(11, 15))
    services.book(patient=other_patient, therapist=eve, massage_type=massage_type, start=at(10))

    with pytest.raises(SlotTaken) as refused:
        services.book(patient=patient, therapist=eve, massage_type=massage_type, start=at(10))

    assert refused.value.message == "Sorry, that time was just taken. Eve Evans has no free time that day."
    assert refused.value.fields == {"start": "Eve Evans has no free time that day."}
    assert refused.value.nearest == ()


@pytest.mark.django_db
def test_a_start_two_locations_could_take_with_no_room_left_offers_the_nearest_free_times(
    clock: time_machine.Traveller, patient: User, other_patient: User, massage_type: MassageType
) -> None:
    # Eve works 10:00-13:00 downtown and 8:00-10:00 in Chicago (9:00-11:00 in Boston): a session
    # at 10:00 fits at either, and each one's only room is taken then by another therapist.
    downtown = default_location()
    chicago = LocationFactory.create(name="Chicago", time_zone="America/Chicago")
    eve = TherapistFactory.create(display_name="Eve Evans", massage_types=[massage_type], room=False)
    wednesday = WEDNESDAY.weekday()
    WorkingHours.objects.bulk_create(
        [
            WorkingHours(therapist=eve, location=downtown, weekday=wednesday, start=time(10), end=time(13)),
            WorkingHours(therapist=eve, location=chicago, weekday=wednesday, start=time(8), end=time(10)),
        ]
    )
    for location in (downtown, chicago):
        room = RoomFactory.create(location=location, name=f"{location.name} room")
        AppointmentFactory(
            patient=other_patient, therapist=intruder(massage_type), massage_type=massage_type, room=room, start=at(10)
        )

    with pytest.raises(SlotTaken) as refused:
        services.book(patient=patient, therapist=eve, massage_type=massage_type, start=at(10))

    # Downtown's room is free again at 11:15; nothing before 10:00 ends before the rooms are taken.
    sentence = "The nearest free times that day are 11:15 AM."
    assert refused.value.message == f"Sorry, no treatment room is free at that time any more. {sentence}"
    assert refused.value.fields == {"start": sentence}


@pytest.mark.django_db(transaction=True)
def test_a_booking_losing_the_race_at_the_insert_is_offered_the_nearest_times_after_the_rollback(
    clock: time_machine.Traveller, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ivy = intruder(massage_type)
    room = room_of(therapist)  # the location's only room

    def ivy_takes_the_room() -> Appointment:
        return AppointmentFactory(
            patient=other_patient, therapist=ivy, massage_type=massage_type, room=room, start=at(10, 30)
        )

    with (
        taken_just_before('INSERT INTO "booking_appointment"', ivy_takes_the_room) as taken,
        pytest.raises(SlotTaken) as refused,
    ):
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(10, 30))

    assert [type(result) for result in taken] == [Appointment]
    assert refused_by_the_constraint(refused.value)
    # Read afresh after the rollback: Ivy's session holds the room 10:30-11:45.
    sentence = "The nearest free times that day are 9:15 AM or 1:00 PM."
    assert refused.value.message == f"Sorry, that time was just taken. {sentence}"
    assert refused.value.fields == {"start": sentence}
    assert list(Appointment.objects.active().filter(room=room).values_list("therapist", flat=True)) == [ivy.pk]
    assert not Appointment.objects.filter(patient=patient).exists()


@pytest.mark.django_db(transaction=True)
def test_a_hold_losing_the_race_at_the_insert_is_offered_the_nearest_times(
    clock: time_machine.Traveller, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ivy = intruder(massage_type)
    room = room_of(therapist)

    def ivy_takes_the_room() -> Appointment:
        return AppointmentFactory(
            patient=other_patient, therapist=ivy, massage_type=massage_type, room=room, start=at(10, 30)
        )

    with (
        taken_just_before('INSERT INTO "booking_appointment"', ivy_takes_the_room) as taken,
        pytest.raises(SlotTaken) as refused,
    ):
        holds.hold(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            start=at(10, 30),
            expires_at=at(8, day=WEDNESDAY - timedelta(days=1)),
            now=at(8, day=WEDNESDAY - timedelta(days=2)),
        )

    assert [type(result) for result in taken] == [Appointment]
    assert refused_by_the_constraint(refused.value)
    assert refused.value.fields == {"start": "The nearest free times that day are 9:15 AM or 1:00 PM."}
    assert not Appointment.objects.filter(patient=patient).exists()


@pytest.mark.django_db(transaction=True)
def test_a_reschedule_losing_the_race_keeps_the_booking_and_offers_the_nearest_times(
    clock: time_machine.Traveller, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))
    ivy = intruder(massage_type)

    def ivy_takes_the_room() -> Appointment:
        return AppointmentFactory(
            patient=other_patient, therapist=ivy, massage_type=massage_type, room=mine.room, start=at(14)
        )

    with (
        taken_just_before('UPDATE "booking_appointment"', ivy_takes_the_room) as taken,
        pytest.raises(SlotTaken) as refused,
    ):
        services.reschedule(appointment=mine, by=patient, start=at(14))

    assert [type(result) for result in taken] == [Appointment]
    assert refused_by_the_constraint(refused.value)
    # The session being moved does not stand in its own way: the morning is free up to 11:00.
    assert refused.value.fields == {"start": "The nearest free times that day are 11:00 AM or 3:15 PM."}
    assert Appointment.objects.get(pk=mine.pk).start == at(9)


@pytest.mark.django_db
def test_a_reschedule_into_a_taken_time_offers_the_nearest_free_times(
    clock: time_machine.Traveller, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(14))

    with pytest.raises(SlotTaken) as refused:
        services.reschedule(appointment=mine, by=patient, start=at(14))

    assert refused.value.fields == {"start": "The nearest free times that day are 11:00 AM or 3:15 PM."}
    assert Appointment.objects.get(pk=mine.pk).start == at(9)
