"""Which dates are worked at all: a day with working hours but no free time is full, not closed.

One query whatever the number of therapists or days (the working hours of those who offer the
massage, joined with their time off; the suitable-room check is a subquery), beside
`booking.availability`, whose hours query and interval helpers it shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from booking import slot_reads
from booking.availability import dates_between, working_windows
from booking.intervals import Interval, merge, subtract
from booking.models import MassageType
from locations.models import Location
from therapists.models import Therapist

_DAY = timedelta(days=1)

_EDGE = timedelta(days=2)


class DayOpening(NamedTuple):
    """Whether anyone works on a date: a day with working hours but no free time is full, not closed."""

    date: date
    open: bool


def open_days(
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    therapists: Iterable[Therapist | int] | None = None,
    *,
    location: Location | int | None = None,
) -> list[DayOpening]:
    """Return, for each date of the range, whether a therapist who offers the massage works some of it.

    Only work at a location (the given one, or any) with an active room that suits the
    massage counts; a day whose hours are all time off is closed. Dates are those of each
    location's zone. One query whatever the number of therapists or days: the working
    hours joined with their time off (the suitable-room check is a subquery).
    """
    if date_to < date_from:
        return []
    days = list(dates_between(date_from, date_to))
    # Dates at the very edge of the calendar cannot be turned into instants in every zone.
    first, last = max(date_from, date.min + _EDGE), min(date_to, date.max - _EDGE)
    if first > last:
        return [DayOpening(day, False) for day in days]
    # Each row is a span joined with its therapist's time off in the range (a day to spare
    # either side: a zone's dates are within a day of UTC's), at a location with a room
    # that suits the massage.
    range_start = datetime.combine(first - _DAY, time(0), tzinfo=UTC)
    range_end = datetime.combine(last + _DAY * 2, time(0), tzinfo=UTC)
    rows = slot_reads.hours_with_time_off(
        massage_type.pk,
        None if therapists is None else [slot_reads.pk_of(t) for t in therapists],
        None if location is None else slot_reads.pk_of(location),
        range_start,
        range_end,
    )
    hours: dict[int, dict[int, dict[int, set[tuple[time, time]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(set))
    )
    zones: dict[int, ZoneInfo] = {}
    time_off: dict[int, set[Interval]] = defaultdict(set)
    for therapist_id, location_id, zone_name, weekday, start, end, off_start, off_end in rows:
        hours[therapist_id][location_id][weekday].add((start, end))
        zones[location_id] = ZoneInfo(zone_name)
        if off_start is not None:
            time_off[therapist_id].add((off_start, off_end))
    off_by_therapist = {therapist_id: merge(list(spans)) for therapist_id, spans in time_off.items()}
    worked: set[date] = set()
    for therapist_id, by_location in hours.items():
        off = off_by_therapist.get(therapist_id, [])
        for location_id, weekly in by_location.items():
            zone = zones[location_id]
            worked.update(
                day
                for day in dates_between(first, last)
                if day not in worked
                and weekly.get(day.weekday())
                and subtract(working_windows(day, weekly[day.weekday()], zone), off)
            )
    return [DayOpening(day, day in worked) for day in days]
