"""The follow-up e-mails a course owes: the home plan after a session, progress and the next course at its end.

Each is a FollowUp row (unique per session or per course) whose id is the outbox row's
subject, so it is recorded and sent once however often it is asked for.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from booking import outbox
from booking.models import Appointment, NotificationKind, Status
from courses.models import Course, FollowUp, FollowUpKind


def owe_follow_up(*, kind: str, appointment: Appointment, course: Course | None, now: datetime) -> FollowUp | None:
    """Record the follow-up and its outbox row once; return it, or None if it was owed already."""
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(kind=kind, appointment=appointment, course=course, created_at=now)
    except IntegrityError:
        return None  # owed already: the unique constraint has the last word
    outbox.record_patient_notice(appointment, NotificationKind.COURSE_FOLLOW_UP, subject_id=follow_up.pk, now=now)
    return follow_up


def on_course_session_completed(*, appointment: Appointment, now: datetime) -> FollowUp | None:
    """Owe the course's closing follow-up when its last outstanding session is completed."""
    course = Course.objects.filter(series=appointment.series).first() if appointment.series else None
    if course is None:
        return None
    outstanding = Appointment.objects.filter(
        series=course.series, status=Status.CONFIRMED, start__gt=appointment.start
    ).exclude(pk=appointment.pk)
    if outstanding.exists():
        return None
    return owe_follow_up(kind=FollowUpKind.COURSE_END, appointment=appointment, course=course, now=now)
