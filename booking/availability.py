"""The read side of booking: which slots are really free, and where.

A start is offered when the therapist works then at some location, is free (no time off,
no session of their own), and at least one active room there that has every feature the
massage needs is free for the session and its buffer (the buffer is the room's turnover).

Four queries whatever the number of therapists, rooms or days (booking.slot_reads: working
hours with their location's zone, time off, the starts at which some suitable room is free at
each location, worked out by PostgreSQL from the rooms' sessions and closures, and the
therapists' own sessions); everything else is interval arithmetic in memory. Elsewhere
(SQLite) the rooms' starts are worked out here from their rows, a fifth query. Which days are
open at all is booking.opening.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from booking import slot_reads
from booking.intervals import TICK, Interval, grid_starts, intersect, merge, subtract
from booking.models import MassageType
from locations.models import Location
from therapists.models import Therapist, WorkingHours, local_span

_DAY = timedelta(days=1)


class Slot(NamedTuple):
    """A free start for one therapist at one location: [start, end) in aware datetimes.

    A named tuple rather than a frozen dataclass: an answer holds thousands of slots, and
    a tuple is built several times faster (see docs/PERFORMANCE.md).
    """

    start: datetime
    end: datetime
    therapist_id: int
    location_id: int


def clinic_day_bounds(day_from: date, day_to: date, zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """Return local midnight of `day_from` and of the day after `day_to` (in the zone, the clinic's by default)."""
    zone = zone or timezone.get_default_timezone()
    return (
        datetime.combine(day_from, time(0), tzinfo=zone),
        datetime.combine(day_to + _DAY, time(0), tzinfo=zone),
    )


def dates_between(day_from: date, day_to: date) -> Iterator[date]:
    # By offset: stepping past date.max would overflow.
    return (day_from + timedelta(days=offset) for offset in range((day_to - day_from).days + 1))


def working_windows(day: date, spans: Iterable[tuple[time, time]], zone: tzinfo | None = None) -> list[Interval]:
    """Return the day's spans as sorted UTC intervals, joining only spans that overlap.

    Touching spans stay apart: a session fits inside one span the therapist declared.
    """
    windows: list[Interval] = []
    for start, end in sorted(spans):
        local_start, local_end = local_span(day, start, end, zone)
        window = (local_start.astimezone(UTC), local_end.astimezone(UTC))
        if window[0] >= window[1]:
            continue
        if windows and window[0] < windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], window[1]))
        else:
            windows.append(window)
    return windows


WeeklySpans = dict[int, dict[int, list[tuple[time, time]]]]


def weekly_spans(therapist_ids: list[int]) -> WeeklySpans:
    """Return each therapist's working spans by weekday, wherever they are (one query)."""
    spans: WeeklySpans = defaultdict(lambda: defaultdict(list))
    for therapist_id, weekday, start, end in (
        WorkingHours.objects.filter(therapist_id__in=therapist_ids)
        .order_by()
        .values_list("therapist_id", "weekday", "start", "end")
    ):
        spans[therapist_id][weekday].append((start, end))
    return spans


def time_off_between(therapist_ids: list[int], start: datetime, end: datetime) -> dict[int, list[Interval]]:
    """Return each therapist's time off overlapping [start, end) (one query)."""
    time_off: dict[int, list[Interval]] = defaultdict(list)
    for therapist_id, off_start, off_end in slot_reads.time_off(therapist_ids, start, end):
        time_off[therapist_id].append((off_start, off_end))
    return time_off


# therapist id -> location id -> weekday -> wall-clock spans at that location
LocatedHours = dict[int, dict[int, dict[int, list[tuple[time, time]]]]]


def located_hours(
    massage_type: MassageType,
    therapists: Iterable[Therapist | int] | None = None,
    location: Location | int | None = None,
) -> tuple[LocatedHours, dict[int, ZoneInfo]]:
    """Return the spans of the active therapists who offer the massage, by location, and each location's zone.

    One query: the working hours at active locations, joined with the therapist's filters
    and the location's zone.
    """
    hours: LocatedHours = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    zones: dict[int, ZoneInfo] = {}
    therapist_ids = None if therapists is None else [slot_reads.pk_of(t) for t in therapists]
    for therapist_id, location_id, zone_name, weekday, start, end in slot_reads.hours(
        massage_type.pk, therapist_ids, None if location is None else slot_reads.pk_of(location)
    ):
        hours[therapist_id][location_id][weekday].append((start, end))
        zones[location_id] = ZoneInfo(zone_name)
    return hours, zones


class _Calendar(NamedTuple):
    """The dates of a range in one zone, with their local midnights in UTC (and the one after the last)."""

    zone: ZoneInfo
    days: list[date]
    midnights: list[datetime]
    # On a day 24 hours long the wall-clock time of day is just the time since its
    # midnight, so the grid needs no time zone lookup; the two DST days a year do.
    steady: list[bool]


def _calendar(zone: ZoneInfo, day_from: date, day_to: date) -> _Calendar:
    days = list(dates_between(day_from, day_to))
    midnights = [datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) for day in days]
    if days:
        midnights.append(datetime.combine(day_to + _DAY, time(0), tzinfo=zone).astimezone(UTC))
    steady = [later - earlier == _DAY for earlier, later in pairwise(midnights)]
    return _Calendar(zone, days, midnights, steady)


def _start_set(windows: list[Interval], length: timedelta) -> list[Interval]:
    """Return the starts s with [s, s + length) inside one of the windows, as half-open intervals."""
    return [(start, end - length + TICK) for start, end in windows if end - start >= length]


def _grid_starts(
    start_set: list[Interval],
    calendar: _Calendar,
    length: timedelta,
    grid: timedelta,
    earliest: datetime,
    latest: datetime,
) -> list[datetime]:
    """Return the starts of the set on the grid of the calendar's wall clock, between earliest and latest."""
    found: list[datetime] = []
    for first, stop in start_set:
        day_index = bisect_right(calendar.midnights, first) - 1
        if not calendar.steady[day_index]:
            window = (first, stop - TICK + length)
            found.extend(grid_starts(window, length, grid, earliest, latest, calendar.zone))
            continue
        first = max(first, earliest)
        last = min(stop - TICK, latest)
        remainder = (first - calendar.midnights[day_index]) % grid
        start = first + (grid - remainder) if remainder else first
        while start <= last:
            found.append(start)
            start += grid
    return found


def _room_starts(
    massage_type: MassageType,
    location_ids: list[int],
    range_start: datetime,
    range_end: datetime,
    *,
    ignoring: int | None,
) -> dict[int, list[Interval]]:
    """Return, per location, the starts in [range_start, range_end) at which some suitable room is free.

    From the rooms' rows (two queries), where the database cannot work it out itself
    (`slot_reads.room_starts`). A start s is free of a session (or a closure) when
    [s, s + length + buffer) misses it, i.e. when the session [s, s + length) misses
    [its start - buffer, its end): each room's own starts first, then their union (two rooms
    free back to back do not make a straddling start).
    """
    length, buffer = massage_type.duration, massage_type.buffer
    room_busy: dict[int, list[Interval]] = {}
    rooms_at: dict[int, list[int]] = defaultdict(list)
    rooms = slot_reads.rooms_with_closures(massage_type.pk, location_ids, range_start, range_end + buffer)
    for room_id, location_id, closed_from, closed_until in rooms:
        if room_id not in room_busy:
            room_busy[room_id] = []
            rooms_at[location_id].append(room_id)
        if closed_from is not None and closed_until is not None:
            room_busy[room_id].append((closed_from - buffer, closed_until))
    if not room_busy:
        return {}
    for _, in_room, booked_start, blocked_until in slot_reads.sessions(
        [], list(room_busy), range_start, range_end + buffer, ignoring
    ):
        if in_room is not None:
            room_busy[in_room].append((booked_start - buffer, blocked_until))
    whole_range = [(range_start, range_end)]
    found = {
        location_id: merge(
            start
            for room_id in room_ids
            for start in _start_set(subtract(whole_range, merge(room_busy[room_id])), length)
        )
        for location_id, room_ids in rooms_at.items()
    }
    return {location_id: starts for location_id, starts in found.items() if starts}


def find_slots(
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    therapists: Iterable[Therapist | int] | None = None,
    *,
    location: Location | int | None = None,
    now: datetime | None = None,
    min_notice: timedelta | None = None,
    horizon: timedelta | None = None,
    ignoring: int | None = None,
) -> list[Slot]:
    """Return the free slots for the massage type between two dates (inclusive), sorted by start.

    The dates are calendar dates of each location's own zone, and so is the slot grid.
    `location` keeps one location. `ignoring` leaves one appointment out of the busy time
    of therapists and rooms alike (an appointment being rescheduled may move within its
    own span). `min_notice` and `horizon` override the settings (staff may book sooner and
    further ahead). Slot times are in UTC; a start offered at two locations is given once,
    at the location with the lower id.
    """
    return slots_and_zones(
        massage_type,
        date_from,
        date_to,
        therapists,
        location=location,
        now=now,
        min_notice=min_notice,
        horizon=horizon,
        ignoring=ignoring,
    )[0]


def slots_and_zones(
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    therapists: Iterable[Therapist | int] | None = None,
    *,
    location: Location | int | None = None,
    now: datetime | None = None,
    min_notice: timedelta | None = None,
    horizon: timedelta | None = None,
    ignoring: int | None = None,
) -> tuple[list[Slot], dict[int, ZoneInfo]]:
    """Return `find_slots`' answer and the zone of each location its slots are at (read with the hours)."""
    now = now or timezone.now()
    notice = settings.BOOKING_MIN_NOTICE if min_notice is None else min_notice
    earliest = (now + notice).astimezone(UTC)
    latest_start = (now + (settings.BOOKING_HORIZON if horizon is None else horizon)).astimezone(UTC)
    grid = timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES)
    length = massage_type.duration
    buffer = massage_type.buffer
    # No slot starts before the notice or past the horizon. Clamp the dates to them with a
    # day to spare either side (a zone's date is within a day of UTC's) before asking the
    # database, and exactly per zone after; a date near date.max would overflow otherwise.
    date_from = max(date_from, earliest.date() - _DAY)
    date_to = min(date_to, latest_start.date() + _DAY)
    if date_to < date_from or latest_start < earliest:
        return [], {}

    hours, zones = located_hours(massage_type, therapists, location)
    calendars = {
        name: _calendar(
            zone,
            max(date_from, earliest.astimezone(zone).date()),
            min(date_to, latest_start.astimezone(zone).date()),
        )
        for name, zone in {str(zone): zone for zone in zones.values()}.items()
    }
    calendars = {name: calendar for name, calendar in calendars.items() if calendar.days}
    if not hours or not calendars:
        return [], {}
    range_start = min(calendar.midnights[0] for calendar in calendars.values())
    range_end = max(calendar.midnights[-1] for calendar in calendars.values())
    therapist_ids = list(hours)
    time_off = time_off_between(therapist_ids, range_start, range_end)

    # The starts at which some suitable room is free, per location.
    location_ids = sorted({location_id for week in hours.values() for location_id in week})
    room_starts = slot_reads.room_starts(
        massage_type.pk, location_ids, range_start, range_end, buffer=buffer, length=length, ignoring=ignoring
    )
    if room_starts is None:
        room_starts = _room_starts(massage_type, location_ids, range_start, range_end, ignoring=ignoring)
    if not room_starts:
        return [], {}

    busy: dict[int, list[Interval]] = defaultdict(list)
    for therapist_id, _, booked_start, blocked_until in slot_reads.sessions(
        therapist_ids, [], range_start, range_end + buffer, ignoring
    ):
        busy[therapist_id].append((booked_start - buffer, blocked_until))

    # Therapists mostly share their hours: turn each (zone, date, spans) into UTC intervals once.
    working_cache: dict[tuple[str, date, tuple[tuple[time, time], ...]], list[Interval]] = {}
    starts: list[tuple[datetime, int, int]] = []
    for therapist_id, by_location in hours.items():
        blocked = merge([*time_off[therapist_id], *busy[therapist_id]])
        found: list[tuple[datetime, int, int]] = []
        for location_id in sorted(by_location):
            free_rooms = room_starts.get(location_id)
            calendar = calendars.get(str(zones[location_id]))
            if not free_rooms or calendar is None:
                continue
            weekly = by_location[location_id]
            zone_name = str(calendar.zone)
            working: list[Interval] = []
            for day in calendar.days:
                spans = weekly.get(day.weekday())
                if not spans:
                    continue
                key = (zone_name, day, tuple(spans))
                day_working = working_cache.get(key)
                if day_working is None:
                    day_working = working_cache[key] = working_windows(day, spans, calendar.zone)
                working.extend(day_working)
            free = intersect(_start_set(subtract(working, blocked), length), free_rooms)
            found.extend(
                (start, therapist_id, location_id)
                for start in _grid_starts(free, calendar, length, grid, earliest, latest_start)
            )
        if len(by_location) > 1:
            # Spans at two locations in different zones may overlap in real time: one slot a start.
            first_location: dict[datetime, tuple[datetime, int, int]] = {}
            for entry in found:
                first_location.setdefault(entry[0], entry)
            found = list(first_location.values())
        starts.extend(found)
    # Sorting plain tuples is several times faster than sorting the named tuples' fields.
    starts.sort()
    slots = [Slot(start, start + length, therapist_id, location_id) for start, therapist_id, location_id in starts]
    return slots, zones


def clinic_today(now: datetime) -> tuple[datetime, datetime]:
    """Return local midnight of today and of tomorrow in the clinic's zone."""
    today = timezone.localdate(now)
    return clinic_day_bounds(today, today)


def clinic_week(now: datetime) -> tuple[datetime, datetime]:
    """Return local midnight of this week's Monday and of next Monday in the clinic's zone."""
    monday = monday_of(timezone.localdate(now))
    return clinic_day_bounds(monday, monday + timedelta(days=6))


def monday_of(day: date) -> date:
    """Return the Monday of the day's week."""
    return day - timedelta(days=day.weekday())
