"""Helpers for the therapist portal's tests: sessions booked through the real booking service."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client

from booking.intake import IntakeData
from booking.models import Appointment, MassageType
from booking.services import book
from clinic.models import User
from therapists.models import Therapist

ZONE = ZoneInfo("America/New_York")

RED_FLAG_INTAKE = IntakeData(
    focus_areas="Lower back, left hip",
    pain_level=7,
    pressure="firm",
    health_notes="Herniated disc L4-L5 in 2024.",
    red_flags=["leg_numbness"],
    provider_consulted=True,
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return March `day` 2026 at the wall-clock time in the clinic's zone."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE)


def book_session(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    intake: IntakeData | None = None,
) -> Appointment:
    """Book a session through the booking service, as the patient would."""
    return book(patient=patient, therapist=therapist, massage_type=massage_type, start=start, intake=intake)


def client_for(user: User) -> Client:
    """Return a test client signed in as the user."""
    client = Client()
    client.force_login(user)
    return client
