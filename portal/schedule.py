"""The read side of the portal: a therapist's sessions for a day or a week, and what to show of them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
# More than the widest gap between two zones' midnights (UTC+14 to UTC-12).
ZONE_SPREAD = timedelta(days=2)


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


def sessions_between(therapist: Therapist, day_from: date, day_to: date) -> list[Appointment]:
    """Return the therapist's sessions (every status) starting on the dates, inclusive, by start.

    A session's date is the one on its location's calendar: a 09:00 session in London is on
    that day wherever the clinic's own zone is.
    """
    range_start, range_end = clinic_day_bounds(day_from, day_to)
    # Local midnights of any two zones lie at most 26 hours apart: fetch the neighbourhood,
    # keep what falls on the dates where it happens.
    nearby = (
        Appointment.objects.sessions()
        .for_therapist(therapist)
        .filter(start__gte=range_start - ZONE_SPREAD, start__lt=range_end + ZONE_SPREAD)
        .select_related("patient", "massage_type", "session_note", "room__location")
        .order_by("start")
    )
    return [session for session in nearby if day_from <= local_date(session) <= day_to]


def zones_of(sessions: Iterable[Appointment]) -> list[str]:
    """Return the names of the zones the sessions are shown in (their locations'), sorted."""
    return sorted({session.zone.key for session in sessions})


def local_date(session: Appointment) -> date:
    """Return the date the session starts on, on its location's calendar."""
    return timezone.localdate(session.start, session.zone)


@dataclass(frozen=True)
class RedFlag:
    key: str
    label: str


def red_flags_of(appointment: Appointment) -> list[RedFlag]:
    """Return the red-flag questions the patient answered yes, with their wording."""
    return [RedFlag(key, RED_FLAGS[key]) for key in appointment.red_flags if key in RED_FLAGS]


def group_by_day(sessions: Iterable[Appointment], days: list[date]) -> list[tuple[date, list[Appointment]]]:
    """Return each day with its sessions, by the date on each session's location's calendar."""
    by_day: dict[date, list[Appointment]] = {day: [] for day in days}
    for session in sessions:
        by_day.setdefault(local_date(session), []).append(session)
    return sorted(by_day.items())


def local(moment: datetime) -> datetime:
    """Return the moment in the clinic's zone."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def sessions_outside_hours(therapist: Therapist, now: datetime) -> list[Appointment]:
    """Return the therapist's upcoming confirmed sessions that no working-hours span at their location holds."""
    spans: dict[tuple[int, int], list[tuple[time, time, ZoneInfo]]] = defaultdict(list)
    for weekday, start, end, location_id, zone_name in therapist.working_hours.values_list(
        "weekday", "start", "end", "location_id", "location__time_zone"
    ):
        spans[(location_id, weekday)].append((start, end, ZoneInfo(zone_name)))
    outside = []
    upcoming = Appointment.objects.for_therapist(therapist).filter(status=Status.CONFIRMED, start__gt=now)
    for session in upcoming.select_related("patient", "massage_type", "room__location").order_by("start"):
        day = local_date(session)
        windows = [
            local_span(day, start, end, zone) for start, end, zone in spans[(session.room.location_id, day.weekday())]
        ]
        if not any(start <= session.start and session.end <= end for start, end in windows):
            outside.append(session)
    return outside
