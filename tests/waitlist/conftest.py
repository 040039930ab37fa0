"""Waitlist fixtures: a full Wednesday of Carol's and people waiting for it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from booking import services as booking
from booking.models import Appointment, MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from therapists.models import Therapist
from waitlist import services
from waitlist.models import WaitlistEntry

WEDNESDAY = date(2026, 3, 4)


def at(hour: int, minute: int = 0, day: date = WEDNESDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def join(patient: User, massage_type: MassageType, now: datetime, **kwargs: Any) -> WaitlistEntry:
    """Join for Wednesday unless the test says otherwise."""
    kwargs.setdefault("date_from", WEDNESDAY)
    kwargs.setdefault("date_to", WEDNESDAY)
    return services.join(patient=patient, massage_type=massage_type, now=now, **kwargs)


def book(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime, now: datetime) -> Appointment:
    return booking.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start, now=now)


def consider_all(now: datetime) -> list[int]:
    """Run the consider task's loop to the end; return every offer made."""
    made: list[int] = []
    while (offers := services.consider_next(now=now)) is not None:
        made.extend(offers)
    return made


MORNING = {"time_from": time(9), "time_to": time(12)}


FULL_DAY = [at(9), at(10, 15), at(13), at(14, 15), at(15, 30)]


def fill_day(
    therapist: Therapist, massage_type: MassageType, now: datetime, starts: list[datetime] = FULL_DAY
) -> list[Appointment]:
    """Book Carol's Wednesday full (60-minute sessions with 15 minutes' turnover), one patient a session."""
    return [book(UserFactory.create(), therapist, massage_type, start, now) for start in starts]
