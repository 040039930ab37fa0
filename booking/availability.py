"""The read side of booking: which slots are really free.

Four queries whatever the number of therapists or days (therapists, their working hours,
their time off, their appointments), and one more for which days are worked at all;
everything else is interval arithmetic in memory.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import NamedTuple

from django.conf import settings
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from booking.intervals import Interval, grid_starts, merge, subtract
from booking.models import Appointment, MassageType
from therapists.models import Therapist, TimeOff, WorkingHours, local_span


class Slot(NamedTuple):
    """A free start for one therapist: [start, end) in aware datetimes.

    A named tuple rather than a frozen dataclass: an answer holds thousands of slots, and
    a tuple is built several times faster (see docs/PERFORMANCE.md).
    """

    start: datetime
    end: datetime
    therapist_id: int


def clinic_day_bounds(day_from: date, day_to: date) -> tuple[datetime, datetime]:
    """Return local midnight of `day_from` and of the day after `day_to` as aware datetimes."""
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(day_from, time(0), tzinfo=zone),
        datetime.combine(day_to + timedelta(days=1), time(0), tzinfo=zone),
    )


def _dates(day_from: date, day_to: date) -> Iterator[date]:
    day = day_from
    while day <= day_to:
        yield day
        day += timedelta(days=1)


def _working_windows(day: date, spans: list[tuple[time, time]]) -> list[Interval]:
    """Return the day's spans as sorted UTC intervals, joining only spans that overlap.

    Touching spans stay apart: a session fits inside one span the therapist declared.
    """
    windows: list[Interval] = []
    for start, end in sorted(spans):
        local_start, local_end = local_span(day, start, end)
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
    """Return each therapist's working spans by weekday (one query)."""
    spans: WeeklySpans = defaultdict(lambda: defaultdict(list))
    for therapist_id, weekday, start, end in WorkingHours.objects.filter(therapist_id__in=therapist_ids).values_list(
        "therapist_id", "weekday", "start", "end"
    ):
        spans[therapist_id][weekday].append((start, end))
    return spans


def time_off_between(therapist_ids: list[int], start: datetime, end: datetime) -> dict[int, list[Interval]]:
    """Return each therapist's time off overlapping [start, end) (one query)."""
    time_off: dict[int, list[Interval]] = defaultdict(list)
    for therapist_id, off_start, off_end in (
        TimeOff.objects.filter(therapist_id__in=therapist_ids)
        .overlapping(start, end)
        .values_list("therapist_id", "start", "end")
    ):
        time_off[therapist_id].append((off_start, off_end))
    return time_off


def find_slots(
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    therapists: Iterable[Therapist | int] | None = None,
    *,
    now: datetime | None = None,
    min_notice: timedelta | None = None,
    horizon: timedelta | None = None,
    ignoring: int | None = None,
) -> list[Slot]:
    """Return the free slots for the massage type between two clinic dates (inclusive), sorted by start.

    `ignoring` leaves one appointment out of the busy time (an appointment being rescheduled
    may move within its own span). `min_notice` and `horizon` override the settings (staff
    may book sooner and further ahead). Slot times are in UTC.
    """
    now = now or timezone.now()
    notice = settings.BOOKING_MIN_NOTICE if min_notice is None else min_notice
    earliest = (now + notice).astimezone(UTC)
    latest_start = (now + (settings.BOOKING_HORIZON if horizon is None else horizon)).astimezone(UTC)
    grid = timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES)
    length = massage_type.duration
    buffer = massage_type.buffer
    # No slot starts past the horizon: clamp the range to it (a date near date.max would overflow).
    last_day = timezone.localdate(latest_start)
    if date_to < date_from or date_from > last_day:
        return []
    date_to = min(date_to, last_day)
    range_start, range_end = clinic_day_bounds(date_from, date_to)
    if range_end <= earliest or range_start > latest_start:
        return []

    candidates = Therapist.objects.active().offering(massage_type)
    if therapists is not None:
        ids = [t if isinstance(t, int) else t.pk for t in therapists]
        candidates = candidates.filter(pk__in=ids)
    therapist_ids = list(candidates.values_list("pk", flat=True))
    if not therapist_ids:
        return []

    spans_by_therapist = weekly_spans(therapist_ids)
    time_off = time_off_between(therapist_ids, range_start, range_end)

    # A start s is free of an appointment when [s, s + length + buffer) misses its blocked
    # span, i.e. when the session [s, s + length) misses [appointment.start - buffer, blocked_until).
    busy: dict[int, list[Interval]] = defaultdict(list)
    appointments = Appointment.objects.active().filter(
        therapist_id__in=therapist_ids, start__lt=range_end + buffer, blocked_until__gt=range_start
    )
    if ignoring is not None:
        appointments = appointments.exclude(pk=ignoring)
    for therapist_id, booked_start, blocked_until in appointments.values_list("therapist_id", "start", "blocked_until"):
        busy[therapist_id].append((booked_start - buffer, blocked_until))

    zone = timezone.get_default_timezone()
    days = list(_dates(date_from, date_to))
    # Local midnights in UTC (each day's and the one after the last). On a day 24 hours
    # long the wall-clock time of day is just the time since its midnight, so the grid
    # needs no time zone lookup; the two DST days a year take the general path.
    midnights = [datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) for day in days]
    midnights.append(datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC))
    steady = [later - earlier == timedelta(days=1) for earlier, later in pairwise(midnights)]
    # Therapists mostly share their hours: turn each (date, spans) into UTC intervals once.
    working_cache: dict[tuple[date, tuple[tuple[time, time], ...]], list[Interval]] = {}
    starts: list[tuple[datetime, int]] = []
    for therapist_id in therapist_ids:
        weekly = spans_by_therapist.get(therapist_id)
        if not weekly:
            continue
        blocked = merge([*time_off[therapist_id], *busy[therapist_id]])
        working: list[Interval] = []
        for day in days:
            spans = weekly.get(day.weekday())
            if not spans:
                continue
            key = (day, tuple(spans))
            day_working = working_cache.get(key)
            if day_working is None:
                day_working = _working_windows(day, spans)
                working_cache[key] = day_working
            working.extend(day_working)
        for window_start, window_end in subtract(working, blocked):
            day_index = bisect_right(midnights, window_start) - 1
            if not steady[day_index]:
                found = grid_starts((window_start, window_end), length, grid, earliest, latest_start, zone)
                starts.extend((start, therapist_id) for start in found)
                continue
            first = max(window_start, earliest)
            last = min(window_end - length, latest_start)
            remainder = (first - midnights[day_index]) % grid
            slot_start = first + (grid - remainder) if remainder else first
            while slot_start <= last:
                starts.append((slot_start, therapist_id))
                slot_start += grid
    # Sorting plain tuples is several times faster than sorting the dataclasses.
    starts.sort()
    return [Slot(start, start + length, therapist_id) for start, therapist_id in starts]


_EDGE = timedelta(days=2)


class DayOpening(NamedTuple):
    """Whether anyone works on a clinic date: a day with working hours but no free time is full, not closed."""

    date: date
    open: bool


def open_days(
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    therapists: Iterable[Therapist | int] | None = None,
) -> list[DayOpening]:
    """Return, for each date of the range, whether a therapist who offers the massage works some of it.

    One query whatever the number of therapists or days: each candidate's working hours
    joined with their time off in the range. A day whose hours are all time off is closed.
    """
    if date_to < date_from:
        return []
    days = [date_from + timedelta(days=offset) for offset in range((date_to - date_from).days + 1)]
    # Dates at the very edge of the calendar cannot be turned into instants in every zone.
    first, last = max(date_from, date.min + _EDGE), min(date_to, date.max - _EDGE)
    if first > last:
        return [DayOpening(day, False) for day in days]
    range_start, range_end = clinic_day_bounds(first, last)
    candidates = Therapist.objects.active().offering(massage_type)
    if therapists is not None:
        candidates = candidates.filter(pk__in=[t if isinstance(t, int) else t.pk for t in therapists])
    rows = candidates.annotate(
        off=FilteredRelation("time_off", condition=Q(time_off__start__lt=range_end, time_off__end__gt=range_start))
    ).values_list(
        "pk", "working_hours__weekday", "working_hours__start", "working_hours__end", "off__start", "off__end"
    )
    hours: dict[int, dict[int, set[tuple[time, time]]]] = defaultdict(lambda: defaultdict(set))
    time_off: dict[int, set[Interval]] = defaultdict(set)
    for therapist_id, weekday, start, end, off_start, off_end in rows:
        if weekday is not None:
            hours[therapist_id][weekday].add((start, end))
        if off_start is not None:
            time_off[therapist_id].add((off_start, off_end))
    off_by_therapist = {therapist_id: merge(list(spans)) for therapist_id, spans in time_off.items()}
    openings = []
    for day in days:
        worked = first <= day <= last and any(
            weekly.get(day.weekday())
            and subtract(_working_windows(day, list(weekly[day.weekday()])), off_by_therapist.get(therapist_id, []))
            for therapist_id, weekly in hours.items()
        )
        openings.append(DayOpening(day, bool(worked)))
    return openings


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
