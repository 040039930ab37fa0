"""find_slots agrees with a brute-force, minute-by-minute reference on random schedules.

The reference is written from the rules, not from the engine: a UTC minute s is a slot iff
its wall-clock minute of the day is on the grid, [s, s+duration) lies inside one working
span of its local date, misses all time off, [s, s+duration+buffer) misses every active
appointment's [start, blocked_until), and now + min_notice <= s <= now + horizon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.availability import find_slots
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from therapists.models import Therapist, TimeOff, WorkingHours

ZONE = ZoneInfo("America/New_York")
DST_CHANGES = [date(2026, 3, 8), date(2026, 11, 1)]
STATUSES = [Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED]
ACTIVE = {Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW}
MINUTE = timedelta(minutes=1)


@dataclass
class Booking:
    start: datetime
    end: datetime
    blocked_until: datetime
    status: str


@dataclass
class TherapistPlan:
    active: bool
    offers: bool
    week: dict[int, list[tuple[int, int]]]  # weekday -> spans in minutes of the day
    bookings: list[Booking] = field(default_factory=list)
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass
class Scenario:
    date_from: date
    date_to: date
    duration: int
    buffer: int
    grid: int
    now: datetime
    min_notice: timedelta
    horizon: timedelta
    therapists: list[TherapistPlan]


def _clock_time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _wall(day: date, minutes: int) -> datetime:
    return datetime.combine(day, _clock_time(minutes), tzinfo=ZONE)


@st.composite
def day_spans(draw: st.DrawFn) -> list[tuple[int, int]]:
    """0-3 spans between 06:00 and 22:00; neighbours may touch but never overlap."""
    count = draw(st.integers(0, 3))
    points = sorted(draw(st.lists(st.integers(6 * 60, 22 * 60), min_size=2 * count, max_size=2 * count)))
    return [(points[i], points[i + 1]) for i in range(0, 2 * count, 2) if points[i] < points[i + 1]]


@st.composite
def therapist_plans(draw: st.DrawFn, range_start: datetime, range_minutes: int) -> TherapistPlan:
    plan = TherapistPlan(
        active=draw(st.sampled_from([True, True, True, False])),
        offers=draw(st.sampled_from([True, True, True, False])),
        week={weekday: draw(day_spans()) for weekday in range(7)},
    )
    # Appointments and time off may start a day before the range and end a day after it.
    window = range_minutes + 2 * 24 * 60
    # In UTC: adding minutes to a datetime in the clinic zone would add wall-clock time.
    origin = (range_start - timedelta(days=1)).astimezone(UTC)
    for _ in range(draw(st.integers(0, 8))):
        start = origin + draw(st.integers(0, window)) * MINUTE
        end = start + draw(st.integers(1, 8)) * 15 * MINUTE
        booking = Booking(start, end, end + draw(st.integers(0, 30)) * MINUTE, draw(st.sampled_from(STATUSES)))
        clashes = any(
            b.status in ACTIVE and b.start < booking.blocked_until and booking.start < b.blocked_until
            for b in plan.bookings
        )
        # The database refuses overlapping active appointments, so the plan never holds them.
        if booking.status not in ACTIVE or not clashes:
            plan.bookings.append(booking)
    for _ in range(draw(st.integers(0, 3))):
        start = origin + draw(st.integers(0, window)) * MINUTE
        plan.time_off.append((start, start + draw(st.integers(1, 48 * 60)) * MINUTE))
    return plan


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    date_from = draw(st.sampled_from(DST_CHANGES)) + timedelta(days=draw(st.integers(-3, 1)))
    date_to = date_from + timedelta(days=draw(st.integers(0, 3)))
    range_start = datetime.combine(date_from, time(0), tzinfo=ZONE)
    range_minutes = int((datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=ZONE) - range_start) / MINUTE)
    now = (range_start - timedelta(days=2)).astimezone(UTC) + draw(
        st.integers(0, (range_minutes + 3 * 24 * 60) * 60)
    ) * timedelta(seconds=1)
    return Scenario(
        date_from=date_from,
        date_to=date_to,
        duration=draw(st.integers(1, 8)) * 15,
        buffer=draw(st.integers(0, 30)),
        grid=draw(st.sampled_from([5, 10, 15, 20, 30, 60])),
        now=now,
        min_notice=draw(st.integers(0, 6 * 60)) * MINUTE,
        horizon=draw(st.integers(0, 5 * 24 * 60)) * MINUTE,
        therapists=draw(st.lists(therapist_plans(range_start, range_minutes), min_size=1, max_size=3)),
    )


def reference_slots(scenario: Scenario, ids: list[int]) -> list[tuple[datetime, datetime, int]]:
    """Check every minute of the range against the rules, one by one."""
    duration = scenario.duration * MINUTE
    buffer = scenario.buffer * MINUTE
    first = datetime.combine(scenario.date_from, time(0), tzinfo=ZONE).astimezone(UTC)
    stop = datetime.combine(scenario.date_to + timedelta(days=1), time(0), tzinfo=ZONE).astimezone(UTC)
    earliest, latest = scenario.now + scenario.min_notice, scenario.now + scenario.horizon
    found = []
    for plan, therapist_id in zip(scenario.therapists, ids, strict=True):
        if not (plan.active and plan.offers):
            continue
        s = first
        while s < stop:
            local = s.astimezone(ZONE)
            end = s + duration
            spans = [(_wall(local.date(), a), _wall(local.date(), b)) for a, b in plan.week[local.weekday()]]
            if (
                (local.hour * 60 + local.minute) % scenario.grid == 0
                and earliest <= s <= latest
                and any(span_start <= s and end <= span_end for span_start, span_end in spans)
                and not any(off_start < end and s < off_end for off_start, off_end in plan.time_off)
                and not any(
                    b.status in ACTIVE and b.start < end + buffer and s < b.blocked_until for b in plan.bookings
                )
            ):
                found.append((s, end, therapist_id))
            s += MINUTE
    return sorted(found)


def _create(scenario: Scenario) -> tuple[MassageType, list[int]]:
    massage_type = MassageType.objects.create(
        name="Random", slug="random", duration_minutes=scenario.duration, buffer_minutes=scenario.buffer, price=80
    )
    patient = User.objects.create(email="random-patient@example.test")
    ids = []
    for number, plan in enumerate(scenario.therapists):
        user = User.objects.create(email=f"random-therapist-{number}@example.test")
        therapist = Therapist.objects.create(user=user, display_name=f"T{number}", is_active=plan.active)
        if plan.offers:
            therapist.massage_types.add(massage_type)
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=therapist, weekday=weekday, start=_clock_time(a), end=_clock_time(b))
            for weekday, spans in plan.week.items()
            for a, b in spans
        )
        TimeOff.objects.bulk_create(TimeOff(therapist=therapist, start=a, end=b) for a, b in plan.time_off)
        Appointment.objects.bulk_create(
            Appointment(
                patient=patient,
                therapist=therapist,
                massage_type=massage_type,
                start=b.start,
                end=b.end,
                blocked_until=b.blocked_until,
                status=b.status,
                price=80,
            )
            for b in plan.bookings
        )
        ids.append(therapist.pk)
    return massage_type, ids


@pytest.mark.django_db
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_find_slots_agrees_with_the_minute_by_minute_reference(db: None, scenario: Scenario) -> None:
    with transaction.atomic():
        massage_type, ids = _create(scenario)
        with override_settings(BOOKING_SLOT_GRID_MINUTES=scenario.grid, TIME_ZONE="America/New_York"):
            slots = find_slots(
                massage_type,
                scenario.date_from,
                scenario.date_to,
                now=scenario.now,
                min_notice=scenario.min_notice,
                horizon=scenario.horizon,
            )
        transaction.set_rollback(True)

    engine = sorted((slot.start, slot.end, slot.therapist_id) for slot in slots)
    assert engine == reference_slots(scenario, ids)


def test_the_reference_itself_finds_the_plain_slots() -> None:
    """A hand-checked case, so a reference that finds nothing cannot pass the property."""
    monday = date(2026, 3, 9)
    scenario = Scenario(
        date_from=monday,
        date_to=monday,
        duration=60,
        buffer=15,
        grid=30,
        now=datetime(2026, 3, 8, 12, tzinfo=ZONE).astimezone(UTC),
        min_notice=timedelta(0),
        horizon=timedelta(days=5),
        therapists=[
            TherapistPlan(
                active=True,
                offers=True,
                week={day: [(8 * 60, 12 * 60)] for day in range(7)},
                bookings=[
                    Booking(_wall(monday, 10 * 60), _wall(monday, 11 * 60), _wall(monday, 11 * 60 + 15), "confirmed")
                ],
            )
        ],
    )

    def found() -> list[str]:
        return [s.astimezone(ZONE).strftime("%H:%M") for s, _, _ in reference_slots(scenario, [1])]

    # From 08:30 on, a session plus its buffer would run into 10:00; 11:00 meets the appointment's buffer.
    assert found() == ["08:00", "08:30"]
    scenario.therapists[0].bookings = []
    assert found() == ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]
