"""Planning a course: every date of the series, the ones that fit, and the nearest alternatives for the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from booking import services as booking
from booking.exceptions import InvalidBooking
from booking.models import MassageType
from clinic.models import User
from courses.planning import Kind
from tests.conftest import CLINIC_ZONE
from tests.courses.conftest import ask, plan
from tests.factories import RoomClosureFactory, TimeOffFactory, room_of
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def test_a_weekly_course_keeps_its_wall_clock_time_across_the_dst_change(massage_type, therapist):
    course = plan(ask(massage_type, therapist))

    assert [s.day for s in course.sessions] == [
        date(2026, 3, 4),
        date(2026, 3, 11),
        date(2026, 3, 18),
        date(2026, 3, 25),
    ]
    assert course.all_fit
    starts = [s.fits.start for s in course.sessions if s.fits]
    assert [start.astimezone(CLINIC_ZONE).time() for start in starts] == [time(10)] * 4
    # 10:00 EST is 15:00 UTC, 10:00 EDT (after 8 March) is 14:00 UTC.
    assert [start.astimezone(UTC).hour for start in starts] == [15, 14, 14, 14]


def test_every_two_weeks_spaces_the_dates_by_fourteen_days(massage_type, therapist):
    course = plan(ask(massage_type, therapist, interval_weeks=2, sessions=3, weekday=0, clock=time(14)))

    # Monday 08:00 now: today's 14:00 is bookable, so the series starts today.
    assert [s.day for s in course.sessions] == [date(2026, 3, 2), date(2026, 3, 16), date(2026, 3, 30)]


def test_time_off_in_the_middle_offers_another_therapist_that_day_then_nearby_days(
    massage_type, therapist, other_therapist
):
    TimeOffFactory.create(therapist=therapist, start=local(date(2026, 3, 11), 0), end=local(date(2026, 3, 12), 0))

    course = plan(ask(massage_type, therapist))

    second = course.sessions[1]
    assert [s.number for s in course.sessions if s.fits] == [1, 3, 4]
    assert second.fits is None
    assert second.problem == "Carol Chen is not working on Wednesday, March 11, 2026."
    first_choice = second.alternatives[0]
    assert (first_choice.kind, first_choice.therapist_id, first_choice.start) == (
        Kind.OTHER_THERAPIST,
        other_therapist.pk,
        local(date(2026, 3, 11), 10),
    )
    # Carol on the days either side, at the asked time.
    later = [(o.therapist_id, o.start) for o in second.alternatives if o.kind == Kind.OTHER_DAY]
    assert later == [(therapist.pk, local(date(2026, 3, 12), 10)), (therapist.pk, local(date(2026, 3, 10), 10))]
    assert second.proposal == first_choice


def test_a_room_closed_on_one_date_offers_the_nearest_time_that_day(massage_type, therapist):
    RoomClosureFactory.create(
        room=room_of(therapist), start=local(date(2026, 3, 18), 9), end=local(date(2026, 3, 18), 12)
    )

    course = plan(ask(massage_type, therapist))

    third = course.sessions[2]
    assert third.fits is None
    assert third.problem == "Carol Chen is not free at 10:00 AM on Wednesday, March 18, 2026."
    assert (third.alternatives[0].kind, third.alternatives[0].start) == (Kind.OTHER_TIME, local(date(2026, 3, 18), 13))
    assert [s.number for s in course.sessions if s.fits] == [1, 2, 4]


def test_a_full_date_offers_the_same_therapist_first_then_another(
    massage_type, therapist, other_therapist, other_patient
):
    booking.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=local(date(2026, 3, 4), 10)
    )

    first = plan(ask(massage_type, therapist)).sessions[0]

    assert first.fits is None
    kinds = [o.kind for o in first.alternatives]
    assert kinds[:3] == [Kind.OTHER_TIME, Kind.OTHER_TIME, Kind.OTHER_THERAPIST]
    # The 10:00 session and its buffer leave Carol nothing before lunch (9:00 meets the buffer, 11:15 runs past noon).
    assert first.alternatives[0].start == local(date(2026, 3, 4), 13)
    assert (first.alternatives[2].therapist_id, first.alternatives[2].start) == (
        other_therapist.pk,
        local(date(2026, 3, 4), 10),
    )


def test_any_therapist_keeps_to_the_one_free_most_often(massage_type, therapist, other_therapist):
    TimeOffFactory.create(therapist=therapist, start=local(date(2026, 3, 11), 0), end=local(date(2026, 3, 19), 0))

    course = plan(ask(massage_type, None))

    # Dan is free at 10:00 on all four Wednesdays, Carol on two.
    assert course.therapist_id == other_therapist.pk
    assert course.all_fit
    assert {s.fits.therapist_id for s in course.sessions if s.fits} == {other_therapist.pk}


def test_the_patients_own_sessions_are_not_offered(massage_type, therapist, other_therapist, patient):
    booking.book(
        patient=patient, therapist=other_therapist, massage_type=massage_type, start=local(date(2026, 3, 4), 10)
    )

    first = plan(ask(massage_type, therapist), patient).sessions[0]

    assert first.fits is None
    assert all(
        not (o.start < local(date(2026, 3, 4), 11) and local(date(2026, 3, 4), 10) < o.end) for o in first.alternatives
    )


@pytest.mark.parametrize("sessions", [1, 9])
def test_a_course_has_two_to_the_settings_most_sessions(massage_type, therapist, sessions):
    with pytest.raises(InvalidBooking) as refused:
        plan(ask(massage_type, therapist, sessions=sessions))

    assert refused.value.fields["sessions"] == "A course has 2 to 8 sessions."


def test_the_setting_caps_a_courses_length(settings, massage_type, therapist):
    settings.COURSE_MAX_SESSIONS = 3

    with pytest.raises(InvalidBooking) as refused:
        plan(ask(massage_type, therapist, sessions=4))

    assert refused.value.fields["sessions"] == "A course has 2 to 3 sessions."


def test_a_course_past_the_booking_horizon_is_refused_with_the_reason(massage_type, therapist):
    with pytest.raises(InvalidBooking) as refused:
        plan(ask(massage_type, therapist, interval_weeks=2, sessions=8))

    assert "We book 60 days ahead" in refused.value.fields["sessions"]


def test_a_therapist_who_does_not_offer_the_massage_is_refused(therapist: Therapist, patient: User):
    other_type = MassageType.objects.create(name="Hot stone", slug="hot-stone", duration_minutes=60, price=100)

    with pytest.raises(InvalidBooking) as refused:
        plan(ask(other_type, therapist))

    assert "does not offer" in refused.value.fields["therapist"]
