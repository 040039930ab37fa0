"""Rooms in the booking rule: the service picks a free suitable room, staff may name or change it, closures move."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.db import IntegrityError, transaction

from audit.models import Event, Kind
from booking import rooms, services
from booking.exceptions import InvalidBooking, NotAllowed, SlotTaken
from booking.models import Appointment, MassageType, Status
from booking.rooms import RoomClosureConflict, Unmovable
from clinic.models import User
from locations.models import Location, Room, RoomClosure, RoomFeature
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    MassageTypeFactory,
    RoomFactory,
    RoomFeatureFactory,
    TherapistFactory,
    UserFactory,
)
from therapists.models import Therapist, WorkingHours

WEDNESDAY = date(2026, 3, 4)


def at(hour: int, minute: int = 0, day: date = WEDNESDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture
def uptown(db: None) -> Location:
    return LocationFactory(name="Uptown", address="400 Beacon Street, Boston, MA 02115")


@pytest.fixture
def heated(db: None) -> RoomFeature:
    return RoomFeatureFactory(name="Heated table", slug="heated-table")


@pytest.fixture
def hot_stone(db: None, heated: RoomFeature) -> MassageType:
    kind = MassageTypeFactory(name="Hot stone", slug="hot-stone", duration_minutes=60, buffer_minutes=15)
    kind.needs_features.set([heated])
    return kind


@pytest.fixture
def swedish(db: None) -> MassageType:
    return MassageTypeFactory(name="Swedish", slug="swedish", duration_minutes=60, buffer_minutes=15)


def working_at(location: Location, *kinds: MassageType, name: str = "Eve Evans") -> Therapist:
    """A therapist (without the suite's own room) who works 09:00-17:00 every day at the location."""
    therapist = TherapistFactory.create(display_name=name, massage_types=list(kinds), room=False)
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=therapist, location=location, weekday=day, start=time(9), end=time(17))
        for day in range(7)
    )
    return therapist


def book(patient: User, therapist: Therapist, kind: MassageType, start: datetime, **kwargs) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=kind, start=start, **kwargs)


@pytest.mark.django_db
def test_a_booking_takes_a_room_at_the_location_the_therapist_works(clock, uptown, swedish) -> None:
    room = RoomFactory(location=uptown, name="Room A")
    therapist = working_at(uptown, swedish)

    appointment = book(UserFactory(), therapist, swedish, at(10))

    assert appointment.room == room
    assert appointment.location == uptown


@pytest.mark.django_db
def test_hot_stone_takes_the_room_with_a_heated_table(clock, uptown, hot_stone, heated) -> None:
    RoomFactory(location=uptown, name="Room A")
    warm = RoomFactory(location=uptown, name="Room B", features=[heated])
    therapist = working_at(uptown, hot_stone)

    assert book(UserFactory(), therapist, hot_stone, at(10)).room == warm


@pytest.mark.django_db
def test_a_plain_massage_leaves_the_heated_room_for_those_who_need_it(clock, uptown, swedish, heated) -> None:
    RoomFactory(location=uptown, name="Room A", features=[heated])
    plain = RoomFactory(location=uptown, name="Room B")
    therapist = working_at(uptown, swedish)

    assert book(UserFactory(), therapist, swedish, at(10)).room == plain


@pytest.mark.django_db
def test_the_tightest_gap_is_taken_so_long_gaps_stay_whole(clock, uptown, swedish) -> None:
    # Room A is busy until 10:00; Room B is empty all day. A session at 10:00 fits snugly after A's.
    room_a = RoomFactory(location=uptown, name="Room A")
    RoomFactory(location=uptown, name="Room B")
    first, second = working_at(uptown, swedish, name="Eve"), working_at(uptown, swedish, name="Finn")
    AppointmentFactory(therapist=first, massage_type=swedish, room=room_a, start=at(8, 45))

    assert book(UserFactory(), second, swedish, at(10)).room == room_a


@pytest.mark.django_db
def test_hot_stone_is_refused_when_the_only_heated_room_is_taken(clock, uptown, hot_stone, heated) -> None:
    warm = RoomFactory.create(location=uptown, name="Room B", features=[heated])
    RoomFactory(location=uptown, name="Room A")
    first, second = working_at(uptown, hot_stone, name="Eve"), working_at(uptown, hot_stone, name="Finn")
    book(UserFactory(), first, hot_stone, at(10))

    with pytest.raises(SlotTaken, match="no treatment room is free"):
        book(UserFactory(), second, hot_stone, at(10, 30))

    assert Appointment.objects.active().filter(room=warm).count() == 1


@pytest.mark.django_db
def test_the_turnover_buffer_holds_the_room(clock, uptown, swedish) -> None:
    RoomFactory(location=uptown, name="Room A")
    first, second = working_at(uptown, swedish, name="Eve"), working_at(uptown, swedish, name="Finn")
    book(UserFactory(), first, swedish, at(10))  # 10:00-11:00, the room turned over until 11:15

    with pytest.raises(SlotTaken):
        book(UserFactory(), second, swedish, at(11))
    assert book(UserFactory(), second, swedish, at(11, 15)).start == at(11, 15)


@pytest.mark.django_db
def test_the_database_refuses_two_active_sessions_in_one_room_at_once(clock, uptown, swedish) -> None:
    room = RoomFactory.create(location=uptown, name="Room A")
    first, second = working_at(uptown, swedish, name="Eve"), working_at(uptown, swedish, name="Finn")
    AppointmentFactory(therapist=first, massage_type=swedish, room=room, start=at(10))

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(therapist=second, massage_type=swedish, room=room, start=at(11))  # in the buffer

    AppointmentFactory(therapist=second, massage_type=swedish, room=room, start=at(11), status=Status.CANCELLED)
    assert Appointment.objects.filter(room=room).count() == 2


@pytest.mark.django_db
def test_staff_may_name_a_room_and_a_patient_may_not(clock, uptown, swedish, admin_user) -> None:
    RoomFactory(location=uptown, name="Room A")
    chosen = RoomFactory(location=uptown, name="Room B")
    therapist = working_at(uptown, swedish)
    patient = UserFactory()

    with pytest.raises(NotAllowed):
        book(patient, therapist, swedish, at(10), room=chosen)
    assert book(patient, therapist, swedish, at(10), room=chosen, by=admin_user).room == chosen


@pytest.mark.django_db
def test_a_named_room_elsewhere_or_without_the_feature_is_refused_with_a_field_message(
    clock, uptown, hot_stone, heated, admin_user
) -> None:
    RoomFactory(location=uptown, name="Room B", features=[heated])
    plain = RoomFactory(location=uptown, name="Room A")
    downtown = RoomFactory(location=LocationFactory(name="Downtown"), name="Room 9", features=[heated])
    therapist = working_at(uptown, hot_stone)

    with pytest.raises(InvalidBooking) as elsewhere:
        book(UserFactory(), therapist, hot_stone, at(10), room=downtown, by=admin_user)
    with pytest.raises(InvalidBooking) as unsuitable:
        book(UserFactory(), therapist, hot_stone, at(10), room=plain, by=admin_user)

    assert "room" in elsewhere.value.fields
    assert "Heated table" in unsuitable.value.fields["room"]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_reschedule_keeps_its_room_when_free_and_moves_when_not(clock, uptown, swedish, admin_user) -> None:
    room_a = RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    first, second = working_at(uptown, swedish, name="Eve"), working_at(uptown, swedish, name="Finn")
    moving = book(UserFactory(), first, swedish, at(10), room=room_b, by=admin_user)

    assert services.reschedule(appointment=moving, by=admin_user, start=at(12)).room == room_b

    AppointmentFactory(therapist=second, massage_type=swedish, room=room_b, start=at(14))
    moved = services.reschedule(appointment=moving, by=admin_user, start=at(14))
    assert moved.room == room_a


@pytest.mark.django_db
def test_change_room_moves_a_session_and_records_who_did_it(clock, uptown, swedish, admin_user) -> None:
    RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    appointment = book(UserFactory(), working_at(uptown, swedish), swedish, at(10))

    changed = rooms.change_room(appointment=appointment, room=room_b, by=admin_user)

    assert changed.room == room_b
    event = Event.objects.get(kind=Kind.ROOM_CHANGED)
    assert event.appointment_id == appointment.pk and event.actor == admin_user


@pytest.mark.django_db
def test_change_room_into_a_taken_room_is_refused_and_changes_nothing(clock, uptown, swedish, admin_user) -> None:
    RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    mine = book(UserFactory(), working_at(uptown, swedish, name="Eve"), swedish, at(10))
    AppointmentFactory(
        therapist=working_at(uptown, swedish, name="Finn"), massage_type=swedish, room=room_b, start=at(10, 30)
    )

    with pytest.raises(SlotTaken, match="Room B"):
        rooms.change_room(appointment=mine, room=room_b, by=admin_user)

    mine.refresh_from_db()
    assert mine.room.name == "Room A"


@pytest.mark.django_db
def test_only_staff_change_rooms(clock, uptown, swedish) -> None:
    RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    patient = UserFactory()
    appointment = book(patient, working_at(uptown, swedish), swedish, at(10))

    with pytest.raises(NotAllowed):
        rooms.change_room(appointment=appointment, room=room_b, by=patient)


@pytest.mark.django_db
def test_closing_a_room_lists_the_covered_sessions_then_moves_them(clock, uptown, swedish, admin_user) -> None:
    room_a = RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    covered = book(UserFactory(), working_at(uptown, swedish), swedish, at(10), room=room_a, by=admin_user)

    with pytest.raises(RoomClosureConflict) as shown:
        rooms.close_room(room=room_a, start=at(9), end=at(13), by=admin_user, reason="Leak")
    assert [(move.appointment.pk, move.to) for move in shown.value.moves] == [(covered.pk, room_b)]
    assert not RoomClosure.objects.exists()

    result = rooms.close_room(room=room_a, start=at(9), end=at(13), by=admin_user, acknowledged=[covered.pk])

    covered.refresh_from_db()
    assert covered.room == room_b and covered.status == Status.CONFIRMED
    assert result.moved == [covered] or [a.pk for a in result.moved] == [covered.pk]
    assert RoomClosure.objects.get().room == room_a


@pytest.mark.django_db
def test_sessions_no_room_can_take_are_kept_or_cancelled_as_staff_decide(
    clock, uptown, hot_stone, heated, admin_user, mailoutbox
) -> None:
    warm = RoomFactory(location=uptown, name="Room B", features=[heated])
    RoomFactory(location=uptown, name="Room A")  # no heated table: hot stone cannot move here
    therapist = working_at(uptown, hot_stone)
    kept = book(UserFactory(), therapist, hot_stone, at(10))
    cancelled = book(UserFactory(), therapist, hot_stone, at(14))
    seen = [kept.pk, cancelled.pk]

    with pytest.raises(RoomClosureConflict):
        rooms.close_room(room=warm, start=at(9), end=at(12), by=admin_user, acknowledged=seen[:1])
    rooms.close_room(room=warm, start=at(9), end=at(12), by=admin_user, acknowledged=seen[:1], unmovable=Unmovable.KEEP)
    rooms.close_room(
        room=warm, start=at(13), end=at(16), by=admin_user, acknowledged=seen[1:], unmovable=Unmovable.CANCEL
    )

    kept.refresh_from_db()
    cancelled.refresh_from_db()
    assert kept.status == Status.CONFIRMED and kept.room == warm
    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancellation_reason == rooms.ROOM_CLOSURE_CANCELLATION_REASON


@pytest.mark.django_db
def test_a_session_booked_after_the_plan_was_shown_is_never_moved_unseen(clock, uptown, swedish, admin_user) -> None:
    room_a = RoomFactory(location=uptown, name="Room A")
    RoomFactory(location=uptown, name="Room B")
    therapist = working_at(uptown, swedish)
    shown = book(UserFactory(), therapist, swedish, at(10), room=room_a, by=admin_user)
    book(UserFactory(), therapist, swedish, at(11, 15), room=room_a, by=admin_user)  # booked meanwhile

    with pytest.raises(RoomClosureConflict) as again:
        rooms.close_room(room=room_a, start=at(9), end=at(13), by=admin_user, acknowledged=[shown.pk])

    assert len(again.value.moves) == 2
    assert not RoomClosure.objects.exists()


@pytest.mark.django_db
def test_a_closed_room_is_not_chosen(clock, uptown, swedish, admin_user) -> None:
    room_a = RoomFactory(location=uptown, name="Room A")
    room_b = RoomFactory(location=uptown, name="Room B")
    rooms.close_room(room=room_a, start=at(9), end=at(17), by=admin_user)

    assert book(UserFactory(), working_at(uptown, swedish), swedish, at(10)).room == room_b
    assert Room.objects.count() == 2


@pytest.mark.django_db
def test_the_booking_paths_one_statement_chooses_as_the_rule_does(clock, uptown, swedish, hot_stone, heated) -> None:
    """choose_room's statement (PostgreSQL) against best_first(free_rooms(...)), start by start, over a busy day."""
    plain_a = RoomFactory.create(location=uptown, name="Room A")
    plain_b = RoomFactory.create(location=uptown, name="Room B")
    warm = RoomFactory.create(location=uptown, name="Room C", features=[heated])
    RoomFactory(location=uptown, name="Room D", is_active=False)
    RoomFactory(location=LocationFactory(name="Elsewhere"), name="Room E")
    eve, finn = working_at(uptown, swedish, hot_stone, name="Eve"), working_at(uptown, swedish, name="Finn")
    AppointmentFactory(therapist=eve, massage_type=swedish, room=plain_a, start=at(9))
    AppointmentFactory(therapist=eve, massage_type=swedish, room=plain_b, start=at(12, 30))
    AppointmentFactory(therapist=eve, massage_type=hot_stone, room=warm, start=at(15))
    AppointmentFactory(therapist=finn, massage_type=swedish, room=plain_b, start=at(10), status=Status.CANCELLED)
    RoomClosure.objects.create(room=plain_a, start=at(13), end=at(14), reason="Plumbing")
    ignored = AppointmentFactory(therapist=finn, massage_type=swedish, room=plain_b, start=at(16))
    chosen = []
    for kind in (swedish, hot_stone):
        for minutes in range(8 * 60, 18 * 60, 15):
            start = at(minutes // 60, minutes % 60)
            _, blocked_until = kind.span(start)
            for ignoring, keep in ((None, None), (ignored.pk, plain_b.pk), (None, warm.pk)):
                by_rule = rooms.best_first(
                    rooms.free_rooms(
                        massage_type=kind,
                        location_id=uptown.pk,
                        start=start,
                        blocked_until=blocked_until,
                        ignoring=ignoring,
                    )
                )
                expected = next((room for room in by_rule if room.pk == keep), by_rule[0] if by_rule else None)
                room = rooms.choose_room(
                    massage_type=kind,
                    location_id=uptown.pk,
                    start=start,
                    blocked_until=blocked_until,
                    ignoring=ignoring,
                    keep=keep,
                )
                assert room == expected, (kind.name, start, ignoring, keep)
                if room is not None and expected is not None:
                    assert (room.name, room.location_id, room.is_active) == (expected.name, uptown.pk, True)
                chosen.append(room)
    # The day exercises every branch: each room chosen somewhere, and times with no room at all.
    assert {room.name for room in chosen if room} == {"Room A", "Room B", "Room C"}
    assert None in chosen
