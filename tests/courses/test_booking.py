"""Booking a course: one transaction through booking's own book(), the limit counting the course once, cancel."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from audit.models import Event, Kind
from booking import services as booking
from booking.exceptions import PolicyRefused
from booking.models import Appointment, Status
from courses import services
from courses.exceptions import CourseSessionRefused
from courses.models import Course, CourseStatus
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from tests.courses.conftest import ask, book_plan, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def test_a_course_books_every_session_under_one_series(massage_type, therapist, patient):
    course = book_plan(plan(ask(massage_type, therapist, sessions=6)), patient)

    sessions = list(course.sessions())
    assert len(sessions) == 6
    assert {s.series for s in sessions} == {course.series}
    assert {s.status for s in sessions} == {Status.CONFIRMED}
    assert Event.objects.filter(kind=Kind.COURSE_BOOKED, patient=patient).count() == 1
    assert Event.objects.filter(kind=Kind.BOOKED, patient=patient).count() == 6


def test_a_refused_session_books_none_of_the_course(massage_type, therapist, patient, other_patient):
    course_plan = plan(ask(massage_type, therapist))
    # Someone takes the third date after the plan was shown.
    booking.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=local(date(2026, 3, 18), 10)
    )

    with pytest.raises(CourseSessionRefused) as refused:
        book_plan(course_plan, patient)

    assert refused.value.number == 3
    assert refused.value.status == 409
    assert refused.value.code == "slot_taken"
    assert not Appointment.objects.filter(patient=patient).exists()
    assert not Course.objects.exists()


def test_the_limit_counts_a_course_as_one_booking(settings, massage_type, therapist, other_therapist, patient):
    settings.MAX_ACTIVE_APPOINTMENTS = 4
    for day in (5, 6, 7):
        booking.book(
            patient=patient, therapist=other_therapist, massage_type=massage_type, start=local(date(2026, 3, day), 15)
        )

    course = book_plan(plan(ask(massage_type, therapist, sessions=6), patient), patient)

    assert course.sessions().count() == 6
    # Three singles and one course: the fourth booking of four.
    with pytest.raises(PolicyRefused) as refused:
        booking.book(
            patient=patient, therapist=other_therapist, massage_type=massage_type, start=local(date(2026, 3, 9), 15)
        )
    assert refused.value.code == "too_many_appointments"


def test_a_patient_at_the_limit_cannot_start_a_course(settings, massage_type, therapist, other_therapist, patient):
    settings.MAX_ACTIVE_APPOINTMENTS = 2
    for day in (5, 6):
        booking.book(
            patient=patient, therapist=other_therapist, massage_type=massage_type, start=local(date(2026, 3, day), 15)
        )

    with pytest.raises(CourseSessionRefused) as refused:
        book_plan(plan(ask(massage_type, therapist), patient), patient)

    assert (refused.value.number, refused.value.code) == (1, "too_many_appointments")
    assert not Appointment.objects.filter(patient=patient, series__isnull=False).exists()


def test_a_new_account_may_book_one_course_before_confirming_its_address(massage_type, therapist, patient):
    patient.email_confirmed_at = None
    patient.save(update_fields=["email_confirmed_at"])

    course = book_plan(plan(ask(massage_type, therapist)), patient)

    assert course.sessions().count() == 4


def test_a_course_longer_than_the_setting_is_refused_at_booking_too(settings, massage_type, therapist, patient):
    course_plan = plan(ask(massage_type, therapist, sessions=4))
    settings.COURSE_MAX_SESSIONS = 3

    with pytest.raises(Exception) as refused:
        book_plan(course_plan, patient)

    assert getattr(refused.value, "fields", {}).get("sessions") == "Choose 2 to 3 sessions."
    assert not Appointment.objects.exists()


def test_cancelling_a_course_cancels_the_sessions_not_yet_held_and_keeps_late_ones(
    clock, massage_type, therapist, patient
):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first, second, *rest = course.sessions()
    # Wednesday 11 March, 08:00: the first session is held, the second is two hours away.
    now = local(date(2026, 3, 11), 8)
    booking.mark_completed(appointment=first, by=therapist.user, now=local(date(2026, 3, 4), 11))

    result = services.cancel_course(course=course, by=patient, now=now)

    assert [a.pk for a in result.cancelled] == [a.pk for a in rest]
    assert [a.pk for a, _ in result.kept] == [second.pk]
    assert "24 hours" in result.kept[0][1]
    statuses = dict(Appointment.objects.filter(series=course.series).values_list("pk", "status"))
    assert statuses == {
        first.pk: Status.COMPLETED,
        second.pk: Status.CONFIRMED,
        **{a.pk: Status.CANCELLED for a in rest},
    }
    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    assert Event.objects.filter(kind=Kind.COURSE_CANCELLED).count() == 1


def test_nobody_else_cancels_a_patients_course(massage_type, therapist, patient, other_patient):
    course = book_plan(plan(ask(massage_type, therapist)), patient)

    with pytest.raises(Exception, match="not your course"):
        services.cancel_course(course=course, by=other_patient, now=PINNED_NOW + timedelta(minutes=1))

    assert course.sessions().filter(status=Status.CONFIRMED).count() == 4
