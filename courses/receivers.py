"""Courses' answers to the booking services, run inside their transaction (booking.signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking import signals
from booking.models import Appointment, Status
from clinic.models import User


def _outcome(*, appointment: Appointment, status: str, previous: str, by: User, now: datetime, **_: Any) -> None:
    from courses import followups

    if appointment.series is not None and status == Status.COMPLETED:
        followups.on_course_session_completed(appointment=appointment, now=now)


def connect() -> None:
    """Connect courses to the booking services' signals (once, from the app's ready())."""
    signals.outcome_recorded.connect(_outcome, dispatch_uid="courses.outcome")
