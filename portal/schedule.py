"""The read side of the portal: a therapist's sessions for a day or a week, and what to show of them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from booking.availability import clinic_day_bounds
from booking.intake import RED_FLAGS
from booking.models import Appointment, Status
from therapists.models import Therapist, local_span

# The longest range one schedule request may cover (the API's date_from..date_to).
MAX_RANGE_DAYS = 62
# Dates a schedule may show: far enough either way, and clear of date.max's overflow.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def requested_date(value: str | None) -> date:
    """Return the date given as YYYY-MM-DD, or today in the clinic when absent, malformed or out of range."""
    try:
        parsed = parse_date(value or "")
    except ValueError:
        parsed = None
    if parsed is None or not EARLIEST_DATE <= parsed <= LATEST_DATE:
        return timezone.localdate()
    return parsed


def week_of(day: date) -> list[date]:
    """Return Monday to Sunday of the week holding the day."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


def sessions_between(therapist: Therapist, day_from: date, day_to: date) -> QuerySet[Appointment]:
    """Return the therapist's sessions (every status) starting on the clinic dates, inclusive, by start."""
    range_start, range_end = clinic_day_bounds(day_from, day_to)
    return (
        Appointment.objects.for_therapist(therapist)
        .filter(start__gte=range_start, start__lt=range_end)
        .select_related("patient", "massage_type", "session_note")
        .order_by("start")
    )


@dataclass(frozen=True)
class RedFlag:
    key: str
    label: str


def red_flags_of(appointment: Appointment) -> list[RedFlag]:
    """Return the red-flag questions the patient answered yes, with their wording."""
    return [RedFlag(key, RED_FLAGS[key]) for key in appointment.red_flags if key in RED_FLAGS]


def group_by_day(sessions: QuerySet[Appointment], days: list[date]) -> list[tuple[date, list[Appointment]]]:
    """Return each day with its sessions, in the clinic's zone."""
    by_day: dict[date, list[Appointment]] = {day: [] for day in days}
    for session in sessions:
        by_day.setdefault(timezone.localdate(session.start), []).append(session)
    return sorted(by_day.items())


def local(moment: datetime) -> datetime:
    """Return the moment in the clinic's zone."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def sessions_outside_hours(therapist: Therapist, now: datetime) -> list[Appointment]:
    """Return the therapist's upcoming confirmed sessions that no working-hours span holds."""
    spans: dict[int, list[tuple[object, object]]] = defaultdict(list)
    for weekday, start, end in therapist.working_hours.values_list("weekday", "start", "end"):
        spans[weekday].append((start, end))
    outside = []
    upcoming = Appointment.objects.for_therapist(therapist).filter(status=Status.CONFIRMED, start__gt=now)
    for session in upcoming.select_related("patient", "massage_type").order_by("start"):
        day = timezone.localdate(session.start)
        windows = [local_span(day, start, end) for start, end in spans[day.weekday()]]  # type: ignore[arg-type]
        if not any(start <= session.start and session.end <= end for start, end in windows):
            outside.append(session)
    return outside
