"""find_slots: working hours, breaks, buffers, time off, notice, horizon, DST and its query budget."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.availability import find_slots
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    AppointmentFactory,
    MassageTypeFactory,
    TherapistFactory,
    TimeOffFactory,
    UserFactory,
    weekly_hours,
)

WEDNESDAY = date(2026, 3, 4)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def starts(slots, therapist=None) -> list[datetime]:
    return [slot.start for slot in slots if therapist is None or slot.therapist_id == therapist.pk]


def local_times(slots) -> list[str]:
    return [slot.start.astimezone(CLINIC_ZONE).strftime("%H:%M") for slot in slots]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db
def test_slots_follow_the_working_spans_and_the_lunch_break(clock, therapist, massage_type):
    slots = find_slots(massage_type, WEDNESDAY, WEDNESDAY)

    morning = [f"{h:02d}:{m:02d}" for h in (9, 10) for m in (0, 15, 30, 45)] + ["11:00"]
    afternoon = [f"{h:02d}:{m:02d}" for h in (13, 14, 15) for m in (0, 15, 30, 45)] + ["16:00"]
    assert local_times(slots) == morning + afternoon
    assert all(slot.end - slot.start == timedelta(minutes=60) for slot in slots)
    assert {slot.therapist_id for slot in slots} == {therapist.pk}


@pytest.mark.django_db
def test_slots_of_several_therapists_are_sorted_by_start(clock, therapist, other_therapist, massage_type):
    slots = find_slots(massage_type, WEDNESDAY, WEDNESDAY)

    assert [slot.start for slot in slots] == sorted(slot.start for slot in slots)
    assert starts(slots, other_therapist)[0] == at(WEDNESDAY, 10)
    assert starts(slots, other_therapist)[-1] == at(WEDNESDAY, 17)


@pytest.mark.django_db
def test_an_appointment_blocks_its_session_and_buffer_and_our_buffer_before_it(clock, patient, therapist, massage_type):
    # Another type with no buffer of its own, booked 14:00-14:30 (blocked until 14:30).
    short = MassageTypeFactory(duration_minutes=30, buffer_minutes=0)
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=short,
        start=at(WEDNESDAY, 14),
        end=at(WEDNESDAY, 14, 30),
        blocked_until=at(WEDNESDAY, 14, 30),
    )

    afternoon = [t for t in local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) if t >= "13:00"]

    # A 60-minute session plus its 15-minute buffer must end by 14:00: the last start before is 12:45,
    # which is lunch, so the afternoon opens again at 14:30.
    assert afternoon == ["14:30", "14:45", "15:00", "15:15", "15:30", "15:45", "16:00"]


@pytest.mark.django_db
def test_the_frozen_buffer_of_an_appointment_is_respected(clock, patient, therapist, massage_type):
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=at(WEDNESDAY, 9),
        end=at(WEDNESDAY, 10),
        blocked_until=at(WEDNESDAY, 10, 30),  # booked when the buffer was 30 minutes
    )

    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY))[:2] == ["10:30", "10:45"]


@pytest.mark.django_db
def test_cancelled_appointments_block_nothing(clock, patient, therapist, massage_type):
    AppointmentFactory(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=at(WEDNESDAY, 9),
        status="cancelled",
    )

    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY))[0] == "09:00"


@pytest.mark.django_db
def test_time_off_removes_the_slots_it_touches(clock, therapist, massage_type):
    TimeOffFactory(therapist=therapist, start=at(WEDNESDAY, 10, 10), end=at(WEDNESDAY, 14, 50))

    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) == [
        "09:00",
        "15:00",
        "15:15",
        "15:30",
        "15:45",
        "16:00",
    ]


@pytest.mark.django_db
def test_time_off_over_several_days_empties_them(clock, therapist, massage_type):
    TimeOffFactory(therapist=therapist, start=at(WEDNESDAY, 0), end=at(WEDNESDAY + timedelta(days=2), 0))

    slots = find_slots(massage_type, WEDNESDAY, WEDNESDAY + timedelta(days=2))

    assert {slot.start.astimezone(CLINIC_ZONE).date() for slot in slots} == {WEDNESDAY + timedelta(days=2)}


@pytest.mark.django_db
def test_min_notice_hides_the_next_two_hours(clock, therapist, massage_type):
    # The clock says Monday 08:00; two hours' notice opens the day at 10:00.
    today = date(2026, 3, 2)

    assert local_times(find_slots(massage_type, today, today))[0] == "10:00"
    assert local_times(find_slots(massage_type, today, today, min_notice=timedelta(0)))[0] == "09:00"


@pytest.mark.django_db
def test_min_notice_rounds_up_to_the_grid(clock, therapist, massage_type):
    clock.move_to(
        at(
            date(2026, 3, 2),
            8,
            7,
        )
        + timedelta(seconds=30)
    )

    assert local_times(find_slots(massage_type, date(2026, 3, 2), date(2026, 3, 2)))[0] == "10:15"


@pytest.mark.django_db
def test_the_horizon_ends_the_slots(clock, therapist, massage_type):
    # 60 days after Monday 2026-03-02 13:00 UTC is Friday 2026-05-01 09:00 in summer time.
    slots = find_slots(massage_type, date(2026, 4, 30), date(2026, 5, 2))

    assert slots[-1].start == at(date(2026, 5, 1), 9)
    assert {slot.start.astimezone(CLINIC_ZONE).date() for slot in slots} == {date(2026, 4, 30), date(2026, 5, 1)}


@pytest.mark.django_db
def test_days_in_the_past_have_no_slots(clock, therapist, massage_type):
    assert find_slots(massage_type, date(2026, 2, 20), date(2026, 3, 1)) == []


@pytest.mark.django_db
def test_an_inactive_therapist_has_no_slots(clock, therapist, other_therapist, massage_type):
    therapist.is_active = False
    therapist.save()

    assert {slot.therapist_id for slot in find_slots(massage_type, WEDNESDAY, WEDNESDAY)} == {other_therapist.pk}


@pytest.mark.django_db
def test_a_therapist_who_does_not_offer_the_type_has_no_slots(clock, therapist, other_therapist, massage_type):
    other_therapist.massage_types.clear()

    assert {slot.therapist_id for slot in find_slots(massage_type, WEDNESDAY, WEDNESDAY)} == {therapist.pk}


@pytest.mark.django_db
def test_slots_can_be_limited_to_some_therapists(clock, therapist, other_therapist, massage_type):
    assert {slot.therapist_id for slot in find_slots(massage_type, WEDNESDAY, WEDNESDAY, [other_therapist.pk])} == {
        other_therapist.pk
    }


@pytest.mark.django_db
def test_a_therapist_without_hours_that_weekday_has_no_slots(clock, massage_type):
    weekdays_only = TherapistFactory(massage_types=[massage_type])
    weekly_hours(weekdays_only, days=range(5))

    saturday = date(2026, 3, 7)
    assert find_slots(massage_type, saturday, saturday + timedelta(days=1)) == []
    assert find_slots(massage_type, saturday - timedelta(days=1), saturday)


@pytest.mark.django_db
def test_touching_spans_stay_apart(clock, massage_type):
    split = TherapistFactory(massage_types=[massage_type])
    weekly_hours(split, start=time(9), end=time(10, 30))
    weekly_hours(split, start=time(10, 30), end=time(12))

    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY)) == [
        "09:00",
        "09:15",
        "09:30",
        "10:30",
        "10:45",
        "11:00",
    ]


@pytest.mark.django_db
def test_a_grid_of_twenty_minutes(clock, therapist, massage_type, settings):
    settings.BOOKING_SLOT_GRID_MINUTES = 20

    assert local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY))[:5] == [
        "09:00",
        "09:20",
        "09:40",
        "10:00",
        "10:20",
    ]


@pytest.mark.django_db
def test_an_appointment_ignored_while_rescheduling_frees_its_time(clock, patient, therapist, massage_type):
    appointment = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(WEDNESDAY, 9))

    assert "09:00" not in local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY))
    assert "09:00" in local_times(find_slots(massage_type, WEDNESDAY, WEDNESDAY, ignoring=appointment.pk))


# --- Daylight saving time --------------------------------------------------------------


@pytest.mark.django_db
def test_slots_start_at_nine_on_both_sides_of_spring_forward(clock, therapist, massage_type):
    friday, monday = date(2026, 3, 6), date(2026, 3, 9)

    before = find_slots(massage_type, friday, friday)[0].start
    after = find_slots(massage_type, monday, monday)[0].start

    assert before.astimezone(CLINIC_ZONE).isoformat() == "2026-03-06T09:00:00-05:00"
    assert after.astimezone(CLINIC_ZONE).isoformat() == "2026-03-09T09:00:00-04:00"
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (14, 13)


@pytest.mark.django_db
def test_slots_start_at_nine_on_both_sides_of_fall_back(clock, therapist, massage_type):
    clock.move_to(at(date(2026, 10, 26), 8))
    friday, monday = date(2026, 10, 30), date(2026, 11, 2)

    before = find_slots(massage_type, friday, friday)[0].start
    after = find_slots(massage_type, monday, monday)[0].start

    assert before.astimezone(CLINIC_ZONE).isoformat() == "2026-10-30T09:00:00-04:00"
    assert after.astimezone(CLINIC_ZONE).isoformat() == "2026-11-02T09:00:00-05:00"
    assert (before.astimezone(UTC).hour, after.astimezone(UTC).hour) == (13, 14)


@pytest.mark.django_db
def test_the_week_across_spring_forward_has_the_same_wall_clock_slots_every_day(clock, therapist, massage_type):
    slots = find_slots(massage_type, date(2026, 3, 5), date(2026, 3, 11))

    by_day: dict[date, list[str]] = {}
    for slot in slots:
        local = slot.start.astimezone(CLINIC_ZONE)
        by_day.setdefault(local.date(), []).append(local.strftime("%H:%M"))
    assert len(by_day) == 7
    assert all(times == by_day[date(2026, 3, 5)] for times in by_day.values())


@pytest.mark.django_db
def test_a_night_span_on_the_spring_forward_night_skips_the_missing_hour(clock, massage_type, settings):
    settings.BOOKING_SLOT_GRID_MINUTES = 30
    night = TherapistFactory(massage_types=[massage_type])
    weekly_hours(night, start=time(0), end=time(4), days=range(6, 7))  # Sundays

    slots = find_slots(massage_type, date(2026, 3, 8), date(2026, 3, 8), [night])

    # 00:00 EST to 04:00 EDT is three real hours: a 60-minute session may start until 03:00 EDT.
    assert local_times(slots) == ["00:00", "00:30", "01:00", "01:30", "03:00"]
    assert all(slot.end - slot.start == timedelta(minutes=60) for slot in slots)


@pytest.mark.django_db
def test_a_night_span_on_the_fall_back_night_repeats_the_doubled_hour(clock, massage_type, settings):
    clock.move_to(at(date(2026, 10, 26), 8))
    settings.BOOKING_SLOT_GRID_MINUTES = 30
    night = TherapistFactory(massage_types=[massage_type])
    weekly_hours(night, start=time(0), end=time(3), days=range(6, 7))

    slots = find_slots(massage_type, date(2026, 11, 1), date(2026, 11, 1), [night])

    # 00:00 EDT to 03:00 EST is four real hours; 01:00 and 01:30 happen twice.
    assert local_times(slots) == ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00"]
    assert [slot.start.astimezone(CLINIC_ZONE).utcoffset() for slot in slots][3:5] == [
        timedelta(hours=-4),
        timedelta(hours=-5),
    ]


# --- Query budget ----------------------------------------------------------------------


def _count_queries(*args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        find_slots(*args, **kwargs)
    return len(queries)


def _busy_therapists(massage_type, count: int) -> list:
    """Therapists with hours, time off and appointments, so every query has rows to return."""
    patient = UserFactory()
    therapists = []
    for _ in range(count):
        therapist = TherapistFactory(massage_types=[massage_type])
        weekly_hours(therapist, start=time(9), end=time(12))
        weekly_hours(therapist, start=time(13), end=time(17))
        TimeOffFactory(therapist=therapist, start=at(WEDNESDAY, 13), end=at(WEDNESDAY, 14))
        AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type, start=at(WEDNESDAY, 9))
        therapists.append(therapist)
    return therapists


@pytest.mark.django_db
def test_queries_do_not_grow_with_therapists(clock, massage_type, django_assert_max_num_queries):
    therapists = _busy_therapists(massage_type, 10)

    with django_assert_max_num_queries(5):
        one = find_slots(massage_type, WEDNESDAY, WEDNESDAY, therapists[:1])
    with django_assert_max_num_queries(5):
        ten = find_slots(massage_type, WEDNESDAY, WEDNESDAY, therapists)

    assert len(ten) == 10 * len(one) > 0
    assert _count_queries(massage_type, WEDNESDAY, WEDNESDAY, therapists[:1]) == _count_queries(
        massage_type, WEDNESDAY, WEDNESDAY, therapists
    )


@pytest.mark.django_db
def test_queries_do_not_grow_with_days(clock, massage_type, django_assert_max_num_queries):
    _busy_therapists(massage_type, 3)

    with django_assert_max_num_queries(5):
        one_day = find_slots(massage_type, WEDNESDAY, WEDNESDAY)
    with django_assert_max_num_queries(5):
        thirty_days = find_slots(massage_type, WEDNESDAY, WEDNESDAY + timedelta(days=29))

    assert len(thirty_days) > 20 * len(one_day) > 0
    assert _count_queries(massage_type, WEDNESDAY, WEDNESDAY) == _count_queries(
        massage_type, WEDNESDAY, WEDNESDAY + timedelta(days=29)
    )
