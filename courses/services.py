"""The write side of courses: book a course (all its sessions or none), cancel what is left of it.

Every session goes through `booking.services.book` and `booking.services.cancel`, so each
keeps every rule of a single booking (the slot, the room, the patient's other sessions, the
cancellation window, payments' answers to the signals). Measures and home plans are in
`courses.records`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import locks, rooms
from booking import services as booking
from booking.exceptions import BookingError, InvalidBooking, NotAllowed
from booking.intake import IntakeData
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from courses.exceptions import CourseSessionRefused
from courses.models import Course, CourseStatus
from courses.planning import INTERVALS, MIN_SESSIONS
from therapists.models import Therapist


@dataclass(frozen=True)
class ChosenSession:
    """One session the patient accepted from the plan: a start with a therapist."""

    start: datetime
    therapist_id: int


@transaction.atomic
def book_course(
    *,
    patient: User,
    massage_type: MassageType,
    therapist: Therapist | None,
    weekday: int,
    clock: time,
    time_zone: str,
    interval_weeks: int,
    sessions: Sequence[ChosenSession],
    intake: IntakeData | None = None,
    by: User | None = None,
    now: datetime | None = None,
) -> Course:
    """Book every chosen session as one course, or none (CourseSessionRefused names the first one refused)."""
    now = now or timezone.now()
    chosen = sorted(sessions, key=lambda session: session.start)
    _check_choice(chosen, interval_weeks=interval_weeks)
    therapists = {t.pk: t for t in Therapist.objects.filter(pk__in={s.therapist_id for s in chosen})}
    unknown = {s.therapist_id for s in chosen} - set(therapists)
    if unknown:
        raise InvalidBooking("Please check the course's sessions.", fields={"sessions": "Unknown therapist."})
    # Every therapist of the course, and the locations they work at, in booking.locks' order
    # before the first session: each book() then takes locks it already holds, so two courses
    # that share therapists queue instead of deadlocking.
    held = locks.lock_therapists(*therapists)
    rooms.lock_workplaces(*held)
    course = Course.objects.create(
        patient=patient,
        massage_type=massage_type,
        therapist=therapist,
        weekday=weekday,
        time=clock,
        time_zone=time_zone,
        interval_weeks=interval_weeks,
        sessions_planned=len(chosen),
        created_at=now,
    )
    booked: list[Appointment] = []
    for number, session in enumerate(chosen, start=1):
        try:
            booked.append(
                booking.book(
                    patient=patient,
                    therapist=therapists[session.therapist_id],
                    massage_type=massage_type,
                    start=session.start,
                    intake=intake,
                    by=by,
                    series=course.series,
                    now=now,
                )
            )
        except BookingError as exc:
            # Raised inside this transaction: every session booked before it is rolled back.
            raise CourseSessionRefused(exc, number=number, start=session.start) from exc
    history.record(
        Kind.COURSE_BOOKED,
        summary=f"Course of {len(booked)} sessions of {massage_type} booked, "
        f"every {'week' if interval_weeks == 1 else f'{interval_weeks} weeks'} from {history.when(booked[0].start)}",
        by=by or patient,
        patient_id=patient.pk,
        therapist_id=therapist.pk if therapist else None,
        data={"course": course.pk, "appointments": [a.pk for a in booked]},
        at=now,
    )
    return course


def _check_choice(chosen: Sequence[ChosenSession], *, interval_weeks: int) -> None:
    most = settings.COURSE_MAX_SESSIONS
    if not MIN_SESSIONS <= len(chosen) <= most:
        raise InvalidBooking(
            f"A course has {MIN_SESSIONS} to {most} sessions.",
            fields={"sessions": f"Choose {MIN_SESSIONS} to {most} sessions."},
        )
    if interval_weeks not in INTERVALS:
        raise InvalidBooking(
            "A course has a session every week or every two weeks.",
            fields={"interval_weeks": "Choose 1 or 2."},
        )
    days = [session.start.date() for session in chosen]
    if len(set(days)) != len(days):
        raise InvalidBooking(
            "A course has one session a day.", fields={"sessions": "Two sessions fall on the same day."}
        )


@dataclass
class CancelledCourse:
    """What cancelling a course did: the sessions cancelled, and those kept with the reason each was kept."""

    course: Course
    cancelled: list[Appointment] = field(default_factory=list)
    kept: list[tuple[Appointment, str]] = field(default_factory=list)


@transaction.atomic
def cancel_course(*, course: Course, by: User, reason: str = "", now: datetime | None = None) -> CancelledCourse:
    """Cancel the course's sessions not yet held, each under the cancellation policy; a refused one stays booked."""
    now = now or timezone.now()
    if course.patient_id != by.pk and not by.is_staff:
        raise NotAllowed("This is not your course.")
    # Claimed in the database: a second cancel at the same moment finds nothing to claim.
    claimed = Course.objects.filter(pk=course.pk, status=CourseStatus.BOOKED).update(
        status=CourseStatus.CANCELLED, cancelled_at=now
    )
    if not claimed:
        raise BookingError("This course was already cancelled.")
    course.refresh_from_db()
    result = CancelledCourse(course=course)
    upcoming = Appointment.objects.filter(series=course.series, status=Status.CONFIRMED, start__gt=now)
    for appointment in upcoming.order_by("start", "pk"):
        try:
            result.cancelled.append(booking.cancel(appointment=appointment, by=by, reason=reason, now=now))
        except BookingError as exc:
            # Its own savepoint was rolled back; the rest of the course still goes.
            result.kept.append((appointment, exc.message))
    history.record(
        Kind.COURSE_CANCELLED,
        summary=f"Course of {course.massage_type} cancelled: {len(result.cancelled)} session(s) cancelled"
        + (f", {len(result.kept)} kept (inside the cancellation window)" if result.kept else ""),
        by=by,
        patient_id=course.patient_id,
        data={
            "course": course.pk,
            "cancelled": [a.pk for a in result.cancelled],
            "kept": [a.pk for a, _ in result.kept],
            "reason_given": bool(reason),
        },
        at=now,
    )
    return result
