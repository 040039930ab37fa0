"""The clinic's date and time style as template filters: `{% load clinic_dates %}`, then `{{ start|moment }}`.

Each filter shows an aware datetime in the active zone (inside `{% timezone appointment.zone %}`,
the location's) or in the zone given as its argument; see clinic.dates for the style itself.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from typing import Any

from django import template

from clinic import dates

register = template.Library()


def _zone(arg: Any) -> tzinfo | None:
    return arg if isinstance(arg, tzinfo) else None


@register.filter
def long_day(value: Any, zone: Any = None) -> str:
    """Return e.g. 'Wednesday, March 4, 2026'."""
    return dates.long_day(value, _zone(zone)) if isinstance(value, date) else ""


@register.filter
def short_day(value: Any, zone: Any = None) -> str:
    """Return e.g. 'Wed, Mar 4'."""
    return dates.short_day(value, _zone(zone)) if isinstance(value, date) else ""


@register.filter
def clock(value: Any, zone: Any = None) -> str:
    """Return e.g. '10:00 AM'."""
    return dates.clock(value, _zone(zone)) if isinstance(value, datetime | time) else ""


@register.filter
def moment(value: Any, zone: Any = None) -> str:
    """Return e.g. 'Wednesday, March 4, 2026 at 10:00 AM'."""
    return dates.moment(value, _zone(zone)) if isinstance(value, datetime) else ""


@register.filter
def short_moment(value: Any, zone: Any = None) -> str:
    """Return e.g. 'Wed, Mar 4, 10:00 AM'."""
    return dates.short_moment(value, _zone(zone)) if isinstance(value, datetime) else ""


@register.filter
def clock_span(start: Any, end: Any) -> str:
    """Return e.g. '10:00-11:00 AM' for `{{ start|clock_span:end }}`."""
    if not isinstance(start, datetime | time) or not isinstance(end, datetime | time):
        return ""
    return dates.clock_span(start, end)


@register.filter
def short_span(start: Any, end: Any) -> str:
    """Return e.g. 'Wed, Mar 4, 10:00-11:00 AM' for `{{ start|short_span:end }}`."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return ""
    return dates.short_span(start, end)


@register.filter
def zone_abbreviation(value: Any, zone: Any = None) -> str:
    """Return e.g. 'EST' for the instant in the active zone."""
    return dates.zone_abbreviation(value, _zone(zone)) if isinstance(value, datetime) else ""
