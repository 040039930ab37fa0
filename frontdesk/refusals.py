"""Saying why the booking services refused a change, with the nearest free times the calendar can offer."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from booking.admin_forms import refusal_for
from booking.availability import find_slots
from booking.checks import nearest_times
from booking.exceptions import BookingError, PatientBusy, SlotTaken, SlotUnavailable
from booking.models import MassageType
from clinic import dates
from locations.models import Location
from therapists.models import Therapist


def staff_horizon(start: datetime, now: datetime) -> timedelta:
    """Return how far ahead staff may look for a start: the online horizon, or further to reach it."""
    return max(settings.BOOKING_HORIZON, start - now + timedelta(days=1))


def nearest_free(
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    location: Location,
    now: datetime,
    ignoring: int | None = None,
) -> list[datetime]:
    """Return the therapist's free starts just before and just after `start` that day, at the location."""
    day = start.astimezone(location.zone).date()
    free = find_slots(
        massage_type,
        day,
        day,
        [therapist],
        location=location,
        now=now,
        min_notice=timedelta(0),
        horizon=staff_horizon(start, now),
        ignoring=ignoring,
    )
    return nearest_times(start, (slot.start for slot in free))


def explain(
    exc: BookingError,
    *,
    therapist: Therapist,
    massage_type: MassageType,
    start: datetime,
    location: Location,
    now: datetime,
    ignoring: int | None = None,
) -> tuple[str, list[datetime]]:
    """Return the refusal's message (naming the session in the way) and the nearest free times it offers."""
    message = refusal_for(exc, therapist=therapist, massage_type=massage_type, start=start, ignoring=ignoring).message
    if not isinstance(exc, SlotTaken | SlotUnavailable | PatientBusy):
        return message, []
    nearest = nearest_free(
        therapist=therapist, massage_type=massage_type, start=start, location=location, now=now, ignoring=ignoring
    )
    if "nearest free times" not in message:
        if nearest:
            times = " or ".join(dates.clock(moment, location.zone) for moment in nearest)
            message += f" The nearest free times that day are {times}."
        else:
            message += f" {therapist} has no other free time that day."
    return message, nearest
