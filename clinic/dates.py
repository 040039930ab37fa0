"""The clinic's one way of writing dates and times, US English as the clinic speaks it in Boston.

    long_day        Wednesday, March 4, 2026
    short_day       Wed, Mar 4
    clock           10:00 AM
    moment          Wednesday, March 4, 2026 at 10:00 AM
    short_moment    Wed, Mar 4, 10:00 AM
    clock_span      10:00-11:00 AM, or 11:30 AM-12:30 PM across noon
    short_span      Wed, Mar 4, 10:00-11:00 AM
    zone_abbreviation  EST

A span's two times are joined by an en dash (shown here as '-').
Pages, e-mails, messages and the pages' scripts (static/js/lib/dates.js) all write these.
An aware datetime is shown in the zone given, else in the active one (the `{% timezone %}`
block a template is in, or the notice's zone); a date is a calendar day and is not converted.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from django.utils import timezone

DayLike = date | datetime
ClockLike = datetime | time

EN_DASH = "\N{EN DASH}"


def local(value: datetime, zone: tzinfo | None = None) -> datetime:
    """Return the aware datetime on the wall clock of the zone (the active zone by default)."""
    if timezone.is_naive(value):
        return value  # already a wall clock, as Django's own |date filter takes it
    return timezone.localtime(value, zone)


def _day(value: DayLike, zone: tzinfo | None) -> date:
    if isinstance(value, datetime):
        return local(value, zone).date()
    return value


def _wall(value: ClockLike, zone: tzinfo | None) -> time:
    if isinstance(value, datetime):
        return local(value, zone).time()
    return value


def long_day(value: DayLike, zone: tzinfo | None = None) -> str:
    """Return e.g. 'Wednesday, March 4, 2026'."""
    day = _day(value, zone)
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def short_day(value: DayLike, zone: tzinfo | None = None) -> str:
    """Return e.g. 'Wed, Mar 4'."""
    day = _day(value, zone)
    return f"{day:%a}, {day:%b} {day.day}"


def _hours_minutes(wall: time) -> str:
    return f"{wall.hour % 12 or 12}:{wall.minute:02d}"


def _meridiem(wall: time) -> str:
    return "AM" if wall.hour < 12 else "PM"


def clock(value: ClockLike, zone: tzinfo | None = None) -> str:
    """Return e.g. '10:00 AM' (a time of day is shown as it is)."""
    wall = _wall(value, zone)
    return f"{_hours_minutes(wall)} {_meridiem(wall)}"


def moment(value: datetime, zone: tzinfo | None = None) -> str:
    """Return e.g. 'Wednesday, March 4, 2026 at 10:00 AM'."""
    wall = local(value, zone)
    return f"{long_day(wall.date())} at {clock(wall.time())}"


def short_moment(value: datetime, zone: tzinfo | None = None) -> str:
    """Return e.g. 'Wed, Mar 4, 10:00 AM'."""
    wall = local(value, zone)
    return f"{short_day(wall.date())}, {clock(wall.time())}"


def clock_span(start: ClockLike, end: ClockLike, zone: tzinfo | None = None) -> str:
    """Return e.g. '10:00-11:00 AM', naming both halves of the day when the span crosses noon."""
    first, last = _wall(start, zone), _wall(end, zone)
    if _meridiem(first) == _meridiem(last):
        return f"{_hours_minutes(first)}{EN_DASH}{clock(last)}"
    return f"{clock(first)}{EN_DASH}{clock(last)}"


def short_span(start: datetime, end: datetime, zone: tzinfo | None = None) -> str:
    """Return e.g. 'Wed, Mar 4, 10:00-11:00 AM': a session on its day."""
    return f"{short_day(start, zone)}, {clock_span(start, end, zone)}"


def zone_abbreviation(value: datetime, zone: tzinfo | None = None) -> str:
    """Return the zone's abbreviation at that instant, e.g. 'EST' or 'EDT' (London: 'GMT' or 'BST')."""
    return local(value, zone).tzname() or ""
