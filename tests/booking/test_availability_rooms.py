"""find_slots and open_days with rooms and locations: features, closures, other therapists' sessions, zones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import find_slots
from booking.opening import open_days
from booking.slot_reads import suitable_rooms
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    MassageTypeFactory,
    RoomClosureFactory,
    RoomFactory,
    RoomFeatureFactory,
    TherapistFactory,
    TimeOffFactory,
    UserFactory,
    WorkingHoursFactory,
)

WEDNESDAY = date(2026, 3, 4)
MONDAY, TUESDAY = date(2026, 3, 9), date(2026, 3, 10)
LONDON = ZoneInfo("Europe/London")


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = CLINIC_ZONE) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def local_times(slots, zone: ZoneInfo = CLINIC_ZONE) -> list[str]:
    return [slot.start.astimezone(zone).strftime("%H:%M") for slot in slots]


def hours_at(therapist, location, start: time = time(9), end: time = time(12), days=range(7)) -> None:
    for day in days:
        WorkingHoursFactory(therapist=therapist, location=location, weekday=day, start=start, end=end)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def downtown(db):
    return LocationFactory(name="Downtown", time_zone="America/New_York")


@pytest.fixture
def heated(db):
    return RoomFeatureFactory(name="Heated table", slug="heated-table")


@pytest.fixture
def hot_stone(db, heated):
    """A 60-minute hot stone massage with a 15-minute buffer: it needs a heated table."""
    massage = MassageTypeFactory(name="Hot stone", slug="hot-stone", duration_minutes=60, buffer_minutes=15)
    massage.needs_features.set([heated])
    return massage


@pytest.fixture
def erin(db, massage_type, hot_stone, downtown):
    """Erin gives both massages at Downtown every day 09:00-12:00 (and has no room of her own)."""
    therapist = TherapistFactory(display_name="Erin Evans", massage_types=[massage_type, hot_stone], room=False)
    hours_at(therapist, downtown)
    return therapist


@pytest.fixture
def colleague(db, downtown):
    """Frank gives neither massage; his sessions still take Downtown's rooms."""
    return TherapistFactory(display_name="Frank Ford", room=False)


def session(therapist, room, start: datetime, minutes: int = 60, buffer: int = 0, **extra):
    massage = MassageTypeFactory(duration_minutes=minutes, buffer_minutes=buffer)
    return AppointmentFactory(
        patient=UserFactory(), therapist=therapist, massage_type=massage, room=room, start=start, **extra
    )


@pytest.mark.django_db
def test_a_massage_needing_a_heated_table_is_offered_only_while_that_room_is_free(
    clock, erin, colleague, downtown, heated, hot_stone, massage_type
):
    RoomFactory(location=downtown, name="Plain")
    warm = RoomFactory(location=downtown, name="Warm", features=[heated])
    session(colleague, warm, at(WEDNESDAY, 10, 30), minutes=30)  # 10:30-11:00

    # 60 minutes and the 15-minute turnover must be over by 10:30, or start at 11:00.
    assert local_times(find_slots(hot_stone, WEDNESDAY, WEDNESDAY)) == ["09:00", "09:15", "11:00"]
    # A massage that needs nothing takes the plain room meanwhile.
    assert len(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) == 9


@pytest.mark.django_db
def test_without_a_heated_room_the_massage_is_not_offered_and_its_days_are_closed(
    clock, erin, downtown, heated, hot_stone, massage_type
):
    RoomFactory(location=downtown, name="Plain")

    assert find_slots(hot_stone, WEDNESDAY, WEDNESDAY) == []
    assert [day.open for day in open_days(hot_stone, WEDNESDAY, WEDNESDAY)] == [False]
    assert [day.open for day in open_days(massage_type, WEDNESDAY, WEDNESDAY)] == [True]

    warm = RoomFactory(location=downtown, name="Warm", features=[heated])
    assert [day.open for day in open_days(hot_stone, WEDNESDAY, WEDNESDAY)] == [True]
    warm.is_active = False
    warm.save()
    assert [day.open for day in open_days(hot_stone, WEDNESDAY, WEDNESDAY)] == [False]


@pytest.mark.django_db
def test_a_room_closure_removes_the_slots_it_touches_with_the_turnover(clock, erin, downtown, massage_type):
    room = RoomFactory(location=downtown, name="Only")
    RoomClosureFactory(room=room, start=at(WEDNESDAY, 10, 30), end=at(WEDNESDAY, 11))

    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) == ["09:00", "09:15", "11:00"]


@pytest.mark.django_db
def test_a_room_taken_by_another_therapist_blocks_the_session_and_its_buffer(
    clock, erin, colleague, downtown, massage_type
):
    room = RoomFactory(location=downtown, name="Only")
    taken = session(colleague, room, at(WEDNESDAY, 10, 30), minutes=30)

    # Without the buffer 09:30 would fit (ending 10:30); with it the room is not turned over in time.
    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) == ["09:00", "09:15", "11:00"]
    # A cancelled session holds no room.
    taken.status = "cancelled"
    taken.save()
    assert len(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) == 9


@pytest.mark.django_db
def test_two_rooms_free_back_to_back_do_not_make_a_straddling_slot(clock, erin, downtown):
    short = MassageTypeFactory(duration_minutes=60, buffer_minutes=0)
    erin.massage_types.add(short)
    first = RoomFactory(location=downtown, name="First")
    second = RoomFactory(location=downtown, name="Second")
    RoomClosureFactory(room=first, start=at(WEDNESDAY, 10), end=at(WEDNESDAY, 12))  # free 09:00-10:00
    RoomClosureFactory(room=second, start=at(WEDNESDAY, 8), end=at(WEDNESDAY, 10))  # free 10:00-12:00

    # 09:15-10:15 would need the first room until 10:15 or the second from 09:15: neither is free.
    assert local_times(find_slots(short, WEDNESDAY, WEDNESDAY)) == [
        "09:00",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
    ]


@pytest.mark.django_db
def test_a_therapist_works_at_one_location_on_monday_and_another_on_tuesday(clock, downtown, massage_type):
    uptown = LocationFactory(name="Uptown", time_zone="America/New_York")
    RoomFactory(location=downtown, name="D1")
    RoomFactory(location=uptown, name="U1")
    gail = TherapistFactory(massage_types=[massage_type], room=False)
    hours_at(gail, downtown, days=range(0, 1))
    hours_at(gail, uptown, start=time(13), end=time(15), days=range(1, 2))

    slots = find_slots(massage_type, MONDAY, TUESDAY)

    assert {(slot.start.astimezone(CLINIC_ZONE).date(), slot.location_id) for slot in slots} == {
        (MONDAY, downtown.pk),
        (TUESDAY, uptown.pk),
    }
    assert local_times(slot for slot in slots if slot.location_id == uptown.pk) == [
        "13:00",
        "13:15",
        "13:30",
        "13:45",
        "14:00",
    ]
    only_uptown = find_slots(massage_type, MONDAY, TUESDAY, location=uptown)
    assert only_uptown == [slot for slot in slots if slot.location_id == uptown.pk]
    assert {slot.location_id for slot in find_slots(massage_type, MONDAY, TUESDAY, location=downtown.pk)} == {
        downtown.pk
    }
    assert [day.open for day in open_days(massage_type, MONDAY, TUESDAY, location=uptown)] == [False, True]


@pytest.mark.django_db
def test_a_therapist_at_two_locations_the_same_morning_has_each_start_once(clock, downtown, massage_type):
    uptown = LocationFactory(name="Uptown", time_zone="America/New_York")
    RoomFactory(location=downtown, name="D1")
    RoomFactory(location=uptown, name="U1")
    hana = TherapistFactory(massage_types=[massage_type], room=False)
    hours_at(hana, downtown, start=time(9), end=time(11))
    hours_at(hana, uptown, start=time(11), end=time(13))

    slots = find_slots(massage_type, WEDNESDAY, WEDNESDAY)

    assert [(t, slot.location_id) for t, slot in zip(local_times(slots), slots, strict=True)] == [
        ("09:00", downtown.pk),
        ("09:15", downtown.pk),
        ("09:30", downtown.pk),
        ("09:45", downtown.pk),
        ("10:00", downtown.pk),
        ("11:00", uptown.pk),
        ("11:15", uptown.pk),
        ("11:30", uptown.pk),
        ("11:45", uptown.pk),
        ("12:00", uptown.pk),
    ]


@pytest.mark.django_db
def test_a_location_in_london_gets_slots_on_its_own_wall_clock_and_calendar(clock, massage_type):
    london = LocationFactory(name="Mayfair", time_zone="Europe/London")
    RoomFactory(location=london, name="M1")
    ivy = TherapistFactory(massage_types=[massage_type], room=False)
    hours_at(ivy, london, start=time(1), end=time(3))
    hours_at(ivy, london, start=time(9), end=time(11))

    slots = find_slots(massage_type, WEDNESDAY, WEDNESDAY)

    # Wednesday in London: 01:00 there is still Tuesday 20:00 in New York.
    night = ["01:00", "01:15", "01:30", "01:45", "02:00"]
    assert local_times(slots, LONDON) == [*night, "09:00", "09:15", "09:30", "09:45", "10:00"]
    assert slots[0].start == at(WEDNESDAY, 1, zone=LONDON) == at(date(2026, 3, 3), 20)
    assert {slot.location_id for slot in slots} == {london.pk}


@pytest.mark.django_db
def test_the_london_grid_follows_london_across_its_own_clock_change(clock, massage_type):
    clock.move_to(at(date(2026, 3, 25), 8))
    london = LocationFactory(name="Mayfair", time_zone="Europe/London")
    RoomFactory(location=london, name="M1")
    ivy = TherapistFactory(massage_types=[massage_type], room=False)
    hours_at(ivy, london, start=time(9), end=time(10))

    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    slots = find_slots(massage_type, friday, monday)

    # London moves to summer time on Sunday 2026-03-29: 09:00 there is 09:00 UTC, then 08:00 UTC.
    assert [slot.start.astimezone(LONDON).isoformat() for slot in slots] == [
        "2026-03-27T09:00:00+00:00",
        "2026-03-28T09:00:00+00:00",
        "2026-03-29T09:00:00+01:00",
        "2026-03-30T09:00:00+01:00",
    ]


@pytest.mark.django_db
def test_an_appointment_ignored_while_rescheduling_frees_its_room_too(clock, erin, colleague, downtown, massage_type):
    room = RoomFactory(location=downtown, name="Only")
    moving = session(colleague, room, at(WEDNESDAY, 9), minutes=60)

    assert "09:00" not in local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY))
    assert "09:00" in local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY, ignoring=moving.pk))


@pytest.mark.django_db
def test_an_inactive_location_offers_nothing(clock, erin, downtown, massage_type):
    RoomFactory(location=downtown, name="Only")
    downtown.is_active = False
    downtown.save()

    assert find_slots(massage_type, WEDNESDAY, WEDNESDAY) == []
    assert [day.open for day in open_days(massage_type, WEDNESDAY, WEDNESDAY)] == [False]


@pytest.mark.django_db
def test_suitable_rooms_have_every_needed_feature(downtown, heated, hot_stone, massage_type):
    double = RoomFeatureFactory(name="Space for two", slug="double-room")
    hot_stone.needs_features.add(double)
    RoomFactory(location=downtown, name="Plain")
    RoomFactory(location=downtown, name="Warm", features=[heated])
    both = RoomFactory(location=downtown, name="Suite", features=[heated, double])
    RoomFactory(location=downtown, name="Closed suite", features=[heated, double], is_active=False)
    RoomFactory(location=LocationFactory(), name="Elsewhere", features=[heated, double])

    assert list(suitable_rooms(hot_stone, downtown.pk)) == [both]
    assert {room.name for room in suitable_rooms(massage_type, downtown)} == {"Plain", "Warm", "Suite"}


# --- Query budget ----------------------------------------------------------------------


def _clinic(massage_type, therapists: int, rooms: int, locations: int = 2) -> None:
    """Therapists spread over locations, with rooms, closures, time off and sessions, so every query has rows."""
    heated = RoomFeatureFactory(name="Heated table", slug="heated-table")
    places = [LocationFactory(time_zone=zone) for zone in ("America/New_York", "Europe/London")[:locations]]
    all_rooms = [
        RoomFactory(location=places[n % locations], features=[heated] if n % 4 in (1, 2) else []) for n in range(rooms)
    ]
    for room in all_rooms[::3]:
        RoomClosureFactory(room=room, start=at(WEDNESDAY, 9), end=at(WEDNESDAY, 10))
    patient = UserFactory()
    for n in range(therapists):
        therapist = TherapistFactory(massage_types=[massage_type], room=False)
        hours_at(therapist, places[n % locations], start=time(9), end=time(12))
        hours_at(therapist, places[(n + 1) % locations], start=time(13), end=time(17))
        TimeOffFactory(therapist=therapist, start=at(WEDNESDAY, 13), end=at(WEDNESDAY, 14))
        AppointmentFactory(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            room=all_rooms[n % rooms],
            start=at(WEDNESDAY + timedelta(days=n), 15),
        )


@pytest.mark.django_db
def test_queries_do_not_grow_with_therapists_rooms_or_days(clock, hot_stone, django_assert_num_queries):
    _clinic(hot_stone, therapists=20, rooms=10)
    two = list(hot_stone.therapists.order_by("pk").values_list("pk", flat=True)[:2])

    with django_assert_num_queries(4):
        few = find_slots(hot_stone, WEDNESDAY, WEDNESDAY, two)
    with django_assert_num_queries(4):
        many = find_slots(hot_stone, WEDNESDAY, WEDNESDAY + timedelta(days=29))
    with django_assert_num_queries(1):
        open_days(hot_stone, WEDNESDAY, WEDNESDAY + timedelta(days=29))

    assert len(few) > 0
    assert len(many) > 20 * len(few)
    assert len({slot.location_id for slot in many}) == 2
