"""The read side of booking: which slots are really free.

Four queries whatever the number of therapists or days (therapists, their working hours,
their time off, their appointments); everything else is interval arithmetic in memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from booking.intervals import Interval, grid_starts, merge, subtract
from booking.models import Appointment, MassageType
from therapists.models import Therapist, TimeOff, WorkingHours, local_span


@dataclass(frozen=True, order=True, slots=True)
class Slot:
    """A free start for one therapist: [start, end) in aware datetimes."""

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


def _dates(day_from: date, day_to: date) -> Iterable[date]:
    day = day_from
    while day <= day_to:
        yield day
        day += timedelta(days=1)


def find_slots(
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    therapists: Iterable[Therapist | int] | None = None,
    *,
    now: datetime | None = None,
    min_notice: timedelta | None = None,
    ignoring: int | None = None,
) -> list[Slot]:
    """Return the free slots for the massage type between two clinic dates (inclusive), sorted by start.

    `ignoring` leaves one appointment out of the busy time (an appointment being rescheduled
    may move within its own span). `min_notice` overrides the setting (staff may book sooner).
    """
    now = now or timezone.now()
    notice = settings.BOOKING_MIN_NOTICE if min_notice is None else min_notice
    earliest = now + notice
    latest_start = now + settings.BOOKING_HORIZON
    grid = timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES)
    length = massage_type.duration
    buffer = massage_type.buffer
    range_start, range_end = clinic_day_bounds(date_from, date_to)
    if date_to < date_from or range_end <= earliest or range_start > latest_start:
        return []

    candidates = Therapist.objects.active().offering(massage_type)
    if therapists is not None:
        ids = [t if isinstance(t, int) else t.pk for t in therapists]
        candidates = candidates.filter(pk__in=ids)
    therapist_ids = list(candidates.values_list("pk", flat=True))
    if not therapist_ids:
        return []

    spans_by_therapist: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for therapist_id, weekday, start, end in WorkingHours.objects.filter(therapist_id__in=therapist_ids).values_list(
        "therapist_id", "weekday", "start", "end"
    ):
        spans_by_therapist[therapist_id][weekday].append((start, end))

    time_off: dict[int, list[Interval]] = defaultdict(list)
    for therapist_id, start, end in (
        TimeOff.objects.filter(therapist_id__in=therapist_ids)
        .overlapping(range_start, range_end)
        .values_list("therapist_id", "start", "end")
    ):
        time_off[therapist_id].append((start, end))

    # A start s is free of an appointment when [s, s + length + buffer) misses its blocked
    # span, i.e. when the session [s, s + length) misses [appointment.start - buffer, blocked_until).
    busy: dict[int, list[Interval]] = defaultdict(list)
    appointments = Appointment.objects.active().filter(
        therapist_id__in=therapist_ids, start__lt=range_end + buffer, blocked_until__gt=range_start
    )
    if ignoring is not None:
        appointments = appointments.exclude(pk=ignoring)
    for therapist_id, start, blocked_until in appointments.values_list("therapist_id", "start", "blocked_until"):
        busy[therapist_id].append((start - buffer, blocked_until))

    days = list(_dates(date_from, date_to))
    zone = timezone.get_default_timezone()
    slots: list[Slot] = []
    for therapist_id in therapist_ids:
        weekly = spans_by_therapist.get(therapist_id)
        if not weekly:
            continue
        blocked = merge([*time_off[therapist_id], *busy[therapist_id]])
        for day in days:
            spans = weekly.get(day.weekday())
            if not spans:
                continue
            origin = datetime.combine(day, time(0), tzinfo=zone)
            working = merge(local_span(day, start, end) for start, end in spans)
            for window in subtract(working, blocked):
                for start in grid_starts(window, length, grid, earliest, origin):
                    if start > latest_start:
                        break
                    slots.append(Slot(start, start + length, therapist_id))
    slots.sort()
    return slots
