"""The clinic dashboard's figures: today's sessions, this week's utilisation, no-show and late-cancellation rates.

Every function takes `now` and reads the clinic's calendar in its own zone, so the figures
can be checked against hand-computed values with the clock pinned.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from booking.availability import clinic_today, clinic_week, time_off_between, weekly_spans
from booking.intervals import Interval, merge, subtract
from booking.models import Appointment, Status
from locations.models import Location
from therapists.models import Therapist, local_span

RATE_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class TherapistDay:
    """One therapist's sessions of the day, in order, and whether to say at which location each one is."""

    therapist: Therapist
    appointments: list[Appointment] = field(default_factory=list)
    shows_location: bool = False


def sessions_today(now: datetime) -> list[TherapistDay]:
    """Return today's sessions (cancelled ones left out) per active therapist, then any other with sessions."""
    day_start, day_end = clinic_today(now)
    appointments = (
        Appointment.objects.booked()
        .filter(start__gte=day_start, start__lt=day_end)
        .select_related("patient", "massage_type", "therapist", "room__location")
        .order_by("start")
    )
    # One address needs no saying; with several, each session says where it is.
    several = Location.objects.count() > 1
    by_therapist: dict[int, list[Appointment]] = defaultdict(list)
    therapists: dict[int, Therapist] = {t.pk: t for t in Therapist.objects.active()}
    for appointment in appointments:
        by_therapist[appointment.therapist_id].append(appointment)
        therapists.setdefault(appointment.therapist_id, appointment.therapist)
    ordered = sorted(therapists.values(), key=lambda t: t.display_name)
    return [TherapistDay(therapist, by_therapist[therapist.pk], several) for therapist in ordered]


@dataclass(frozen=True)
class Utilisation:
    """A therapist's booked time against the time they work in one week."""

    therapist: Therapist
    working: timedelta
    booked: timedelta

    @property
    def ratio(self) -> float | None:
        if not self.working:
            return None
        return self.booked / self.working

    @property
    def percent(self) -> float | None:
        ratio = self.ratio
        return None if ratio is None else 100 * ratio

    @property
    def working_hours(self) -> float:
        return self.working.total_seconds() / 3600

    @property
    def booked_hours(self) -> float:
        return self.booked.total_seconds() / 3600


def _working_time(spans_by_weekday: dict[int, list[tuple]], time_off: list[Interval], days: list[date]) -> timedelta:
    """Return the length of the working spans on the days, less the time off."""
    working = merge(
        local_span(day, start, end) for day in days for start, end in spans_by_weekday.get(day.weekday(), [])
    )
    remaining = subtract(working, merge(time_off))
    return sum((end - start for start, end in remaining), timedelta(0))


def week_utilisation(now: datetime) -> list[Utilisation]:
    """Return booked / working time of each active therapist for Monday to Sunday of this week.

    Working time is the weekly hours on each date (wall clock, so a DST week is right) less
    time off. Booked time is the session length (end - start, turnover left out) of every
    active appointment (confirmed, completed or no-show) that starts in the week.
    """
    week_start, week_end = clinic_week(now)
    monday = timezone.localdate(week_start)
    days = [monday + timedelta(days=offset) for offset in range(7)]
    therapists = list(Therapist.objects.active())
    ids = [therapist.pk for therapist in therapists]

    spans = weekly_spans(ids)
    time_off = time_off_between(ids, week_start, week_end)
    booked: dict[int, timedelta] = defaultdict(timedelta)
    for therapist_id, length in (
        Appointment.objects.booked()
        .filter(therapist_id__in=ids, start__gte=week_start, start__lt=week_end)
        .annotate(length=F("end") - F("start"))
        .values_list("therapist_id", "length")
    ):
        booked[therapist_id] += length
    return [
        Utilisation(therapist, _working_time(spans[therapist.pk], time_off[therapist.pk], days), booked[therapist.pk])
        for therapist in therapists
    ]


@dataclass(frozen=True)
class Rate:
    """A count out of a total over a period, e.g. no-shows out of sessions held."""

    count: int
    total: int

    @property
    def value(self) -> float | None:
        return self.count / self.total if self.total else None

    @property
    def percent(self) -> float | None:
        value = self.value
        return None if value is None else 100 * value


def no_show_rate(now: datetime, period: timedelta = RATE_PERIOD) -> Rate:
    """Return no-shows / (completed + no-shows) among sessions that started in the period before now."""
    recorded = Appointment.objects.filter(
        start__gte=now - period, start__lt=now, status__in=[Status.COMPLETED, Status.NO_SHOW]
    )
    return Rate(count=recorded.filter(status=Status.NO_SHOW).count(), total=recorded.count())


def late_cancellation_rate(now: datetime, period: timedelta = RATE_PERIOD) -> Rate:
    """Return late cancellations / all appointments whose start fell in the period before now.

    A late cancellation is one made less than settings.CANCELLATION_WINDOW before the start
    (cancelled_at > start - window). The total counts every appointment whose start, as
    booked, fell in [now - period, now), whatever its status: a cancelled one counts at the
    time it would have started.
    """
    held = Appointment.objects.sessions().filter(start__gte=now - period, start__lt=now)
    late = held.filter(Q(status=Status.CANCELLED) & Q(cancelled_at__gt=F("start") - settings.CANCELLATION_WINDOW))
    return Rate(count=late.count(), total=held.count())
