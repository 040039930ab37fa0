"""find_slots agrees with a brute-force, minute-by-minute reference on random schedules.

The reference is written from the rules, not from the engine. A UTC minute s is a slot of
a therapist at a location iff, on the location's wall clock, s falls on a date of the range
and on the grid; [s, s+duration) lies inside one of the therapist's working spans at that
location on that local date; it misses all the therapist's time off; [s, s+duration+buffer)
misses every active appointment of the therapist; some active room of that (active)
location has every feature the type needs and [s, s+duration+buffer) misses each of its
closures and active appointments; the appointment being rescheduled counts for neither;
and now + min_notice <= s <= now + horizon. A start good at two locations is one slot, at
the location with the lower id.
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
from locations.models import Location, Room, RoomClosure, RoomFeature
from therapists.models import Therapist, TimeOff, WorkingHours

# The clinic's own zone and a location an ocean away: their DST changes fall on other dates.
ZONES = [ZoneInfo("America/New_York"), ZoneInfo("Europe/London")]
DST_CHANGES = [date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1)]
STATUSES = [Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED]
ACTIVE = {Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW}
FEATURES = ["heated-table", "double-room"]
MINUTE = timedelta(minutes=1)


@dataclass
class LocationPlan:
    zone: ZoneInfo
    active: bool


@dataclass
class RoomPlan:
    location: int  # index into Scenario.locations
    features: set[str]
    active: bool
    closures: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass(eq=False)  # compared by identity: two bookings alike are still two
class Booking:
    room: int  # index into Scenario.rooms
    start: datetime
    end: datetime
    blocked_until: datetime
    status: str


@dataclass
class TherapistPlan:
    active: bool
    offers: bool
    week: dict[int, list[tuple[int, int, int]]]  # weekday -> (location index, start, end) in minutes of the day
    bookings: list[Booking] = field(default_factory=list)
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass
class Scenario:
    date_from: date
    date_to: date
    duration: int
    buffer: int
    needs: set[str]
    grid: int
    now: datetime
    min_notice: timedelta
    horizon: timedelta
    locations: list[LocationPlan]
    rooms: list[RoomPlan]
    therapists: list[TherapistPlan]
    only_location: int | None = None  # index, for find_slots(location=...)
    ignoring: tuple[int, int] | None = None  # (therapist index, booking index) being rescheduled


def _clock_time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _wall(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, _clock_time(minutes), tzinfo=zone)


def _range(scenario: Scenario) -> tuple[datetime, datetime]:
    """Return the first local midnight of the range in any zone and the last one after it, in UTC."""
    firsts = [datetime.combine(scenario.date_from, time(0), tzinfo=zone).astimezone(UTC) for zone in ZONES]
    stops = [datetime.combine(scenario.date_to + timedelta(days=1), time(0), tzinfo=zone) for zone in ZONES]
    return min(firsts), max(stop.astimezone(UTC) for stop in stops)


def _overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


@st.composite
def day_spans(draw: st.DrawFn, locations: int) -> list[tuple[int, int, int]]:
    """0-3 spans between 06:00 and 22:00, each at some location; neighbours may touch but never overlap."""
    count = draw(st.sampled_from([2, 1, 3, 0]))
    points = sorted(draw(st.lists(st.integers(6 * 60, 22 * 60), min_size=2 * count, max_size=2 * count)))
    return [
        (draw(st.integers(0, locations - 1)), points[i], points[i + 1])
        for i in range(0, 2 * count, 2)
        if points[i] < points[i + 1]
    ]


@st.composite
def moments(draw: st.DrawFn, date_from: date, origin: datetime, window: int) -> datetime:
    """Mostly a time of day people work, on either wall clock, a day either side of the range; else any minute."""
    if draw(st.sampled_from([False, False, True])):
        return origin + draw(st.integers(0, window)) * MINUTE
    day = date_from + timedelta(days=draw(st.integers(-1, 4)))
    return _wall(day, draw(st.integers(6 * 12, 22 * 12)) * 5, draw(st.sampled_from(ZONES))).astimezone(UTC)


@st.composite
def room_plans(draw: st.DrawFn, location: int, origin: datetime, window: int, date_from: date) -> RoomPlan:
    room = RoomPlan(
        location=location,
        features=draw(st.sampled_from([set(), {"heated-table"}, set(FEATURES)])),
        active=draw(st.sampled_from([True, True, True, False])),
    )
    for _ in range(draw(st.integers(0, 3))):
        start = draw(moments(date_from, origin, window))
        end = start + draw(st.integers(1, 8 * 60)) * MINUTE
        # The database refuses overlapping closures of one room.
        if not any(_overlaps(start, end, a, b) for a, b in room.closures):
            room.closures.append((start, end))
    return room


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    date_from = draw(st.sampled_from(DST_CHANGES)) + timedelta(days=draw(st.integers(-3, 1)))
    date_to = date_from + timedelta(days=draw(st.integers(0, 3)))
    scenario = Scenario(
        date_from=date_from,
        date_to=date_to,
        duration=draw(st.integers(1, 8)) * 15,
        buffer=draw(st.integers(0, 30)),
        needs=draw(st.sampled_from([set(), set(), set(), {"heated-table"}, set(FEATURES)])),
        grid=draw(st.sampled_from([5, 10, 15, 20, 30, 60])),
        now=datetime(2026, 1, 1, tzinfo=UTC),
        min_notice=draw(st.integers(0, 6 * 60)) * MINUTE,
        horizon=draw(st.sampled_from([6 * 24 * 60, 6 * 24 * 60, -1])) * MINUTE,
        locations=[
            LocationPlan(ZONES[0], active=True),
            LocationPlan(ZONES[1], active=draw(st.sampled_from([True, True, True, True, False]))),
        ],
        rooms=[],
        therapists=[],
    )
    range_start, range_end = _range(scenario)
    range_minutes = int((range_end - range_start) / MINUTE)
    scenario.now = (
        range_start
        - timedelta(days=2)
        + draw(st.integers(0, (range_minutes + 3 * 24 * 60) * 60)) * (timedelta(seconds=1))
    )
    # Appointments, closures and time off may start a day before the range and end a day after it.
    origin = range_start - timedelta(days=1)
    window = range_minutes + 2 * 24 * 60
    # One to three rooms at each location (mostly one or two, so they are often all taken).
    scenario.rooms = [
        draw(room_plans(location, origin, window, date_from))
        for location in (0, 1)
        for _ in range(draw(st.sampled_from([1, 1, 2, 3])))
    ]
    for number in range(draw(st.integers(1, 3))):
        # The first therapist always offers the massage, so most examples have slots to compare.
        plan = TherapistPlan(
            active=number == 0 or draw(st.sampled_from([True, True, True, False])),
            offers=number == 0 or draw(st.sampled_from([True, True, True, False])),
            week={weekday: draw(day_spans(2)) for weekday in range(7)},
        )
        for _ in range(draw(st.integers(0, 3))):
            start = origin + draw(st.integers(0, window)) * MINUTE
            longest = draw(st.sampled_from([10 * 60, 10 * 60, 48 * 60]))  # mostly hours, sometimes days
            plan.time_off.append((start, start + draw(st.integers(1, longest)) * MINUTE))
        scenario.therapists.append(plan)
    # Two colleagues who do not give this massage hold rooms the others might want.
    colleagues = [TherapistPlan(active=True, offers=False, week={}) for _ in range(2)]
    scenario.therapists.extend(colleagues)
    # Bookings go to random therapists and rooms; the database refuses overlapping active
    # appointments of one therapist or in one room, so the plan never holds them.
    booked: list[Booking] = []
    for _ in range(draw(st.integers(0, 30))):
        owner = draw(st.sampled_from([*colleagues, *colleagues, *scenario.therapists]))
        start = draw(moments(date_from, origin, window))
        end = start + draw(st.integers(1, 8)) * 15 * MINUTE
        booking = Booking(
            room=draw(st.integers(0, len(scenario.rooms) - 1)),
            start=start,
            end=end,
            blocked_until=end + draw(st.integers(0, 30)) * MINUTE,
            status=draw(st.sampled_from(STATUSES)),
        )
        clashes = any(
            b.status in ACTIVE
            and _overlaps(b.start, b.blocked_until, booking.start, booking.blocked_until)
            and (b in owner.bookings or b.room == booking.room)
            for b in booked
        )
        if booking.status not in ACTIVE or not clashes:
            owner.bookings.append(booking)
            booked.append(booking)
    scenario.only_location = draw(st.sampled_from([None, None, 0, 1]))
    owners = [(t, b) for t, plan in enumerate(scenario.therapists) for b in range(len(plan.bookings))]
    if owners and draw(st.booleans()):
        scenario.ignoring = draw(st.sampled_from(owners))
    return scenario


def reference_slots(
    scenario: Scenario, therapist_ids: list[int], location_ids: list[int]
) -> list[tuple[datetime, datetime, int, int]]:
    """Check every minute of the range against the rules, one by one, at every location."""
    duration = scenario.duration * MINUTE
    buffer = scenario.buffer * MINUTE
    first, stop = _range(scenario)
    earliest, latest = scenario.now + scenario.min_notice, scenario.now + scenario.horizon
    ignored = None
    if scenario.ignoring is not None:
        ignored = scenario.therapists[scenario.ignoring[0]].bookings[scenario.ignoring[1]]
    counted = [b for plan in scenario.therapists for b in plan.bookings if b.status in ACTIVE and b is not ignored]

    def room_free(room: RoomPlan, index: int, start: datetime, blocked_until: datetime) -> bool:
        return (
            room.active
            and scenario.needs <= room.features
            and not any(_overlaps(start, blocked_until, a, b) for a, b in room.closures)
            and not any(b.room == index and _overlaps(start, blocked_until, b.start, b.blocked_until) for b in counted)
        )

    found = []
    for plan, therapist_id in zip(scenario.therapists, therapist_ids, strict=True):
        if not (plan.active and plan.offers):
            continue
        own = [b for b in plan.bookings if b in counted]
        s = first
        while s < stop:
            end = s + duration
            for number, place in enumerate(scenario.locations):
                if not place.active or scenario.only_location not in (None, number):
                    continue
                local = s.astimezone(place.zone)
                day = local.date()
                spans = [
                    (_wall(day, a, place.zone), _wall(day, b, place.zone))
                    for where, a, b in plan.week.get(local.weekday(), [])
                    if where == number
                ]
                if (
                    scenario.date_from <= day <= scenario.date_to
                    and (local.hour * 60 + local.minute) % scenario.grid == 0
                    and earliest <= s <= latest
                    and any(span_start <= s and end <= span_end for span_start, span_end in spans)
                    and not any(_overlaps(s, end, off_start, off_end) for off_start, off_end in plan.time_off)
                    and not any(_overlaps(s, end + buffer, b.start, b.blocked_until) for b in own)
                    and any(
                        room.location == number and room_free(room, index, s, end + buffer)
                        for index, room in enumerate(scenario.rooms)
                    )
                ):
                    found.append((s, end, therapist_id, location_ids[number]))
                    break  # the locations are in id order: the first one that fits names the slot
            s += MINUTE
    return sorted(found)


def _create(scenario: Scenario) -> tuple[MassageType, list[int], list[int], int | None]:
    features = {slug: RoomFeature.objects.create(name=slug, slug=slug) for slug in FEATURES}
    massage_type = MassageType.objects.create(
        name="Random", slug="random", duration_minutes=scenario.duration, buffer_minutes=scenario.buffer, price=80
    )
    massage_type.needs_features.set(features[slug] for slug in scenario.needs)
    locations = [
        Location.objects.create(
            name=f"L{number}", address=f"{number} Random Street", time_zone=str(place.zone), is_active=place.active
        )
        for number, place in enumerate(scenario.locations)
    ]
    rooms = []
    for number, room_plan in enumerate(scenario.rooms):
        room = Room.objects.create(
            location=locations[room_plan.location], name=f"R{number}", is_active=room_plan.active
        )
        room.features.set(features[slug] for slug in room_plan.features)
        RoomClosure.objects.bulk_create(RoomClosure(room=room, start=a, end=b) for a, b in room_plan.closures)
        rooms.append(room)
    patient = User.objects.create(email="random-patient@example.test")
    ids = []
    ignoring = None
    for number, plan in enumerate(scenario.therapists):
        user = User.objects.create(email=f"random-therapist-{number}@example.test")
        therapist = Therapist.objects.create(user=user, display_name=f"T{number}", is_active=plan.active)
        if plan.offers:
            therapist.massage_types.add(massage_type)
        WorkingHours.objects.bulk_create(
            WorkingHours(
                therapist=therapist,
                location=locations[where],
                weekday=weekday,
                start=_clock_time(a),
                end=_clock_time(b),
            )
            for weekday, spans in plan.week.items()
            for where, a, b in spans
        )
        TimeOff.objects.bulk_create(TimeOff(therapist=therapist, start=a, end=b) for a, b in plan.time_off)
        appointments = Appointment.objects.bulk_create(
            Appointment(
                patient=patient,
                therapist=therapist,
                massage_type=massage_type,
                room=rooms[b.room],
                start=b.start,
                end=b.end,
                blocked_until=b.blocked_until,
                status=b.status,
                price=80,
            )
            for b in plan.bookings
        )
        if scenario.ignoring is not None and scenario.ignoring[0] == number:
            ignoring = appointments[scenario.ignoring[1]].pk
        ids.append(therapist.pk)
    return massage_type, ids, [location.pk for location in locations], ignoring


# Rooms decide only when every suitable room of a location is taken: the case needs more
# examples than the profile's 60 to come up often (the deep profile keeps its 1,000).
@pytest.mark.django_db
@settings(
    max_examples=max(150, settings().max_examples),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_find_slots_agrees_with_the_minute_by_minute_reference(db: None, scenario: Scenario) -> None:
    with transaction.atomic():
        massage_type, ids, location_ids, ignoring = _create(scenario)
        with override_settings(BOOKING_SLOT_GRID_MINUTES=scenario.grid, TIME_ZONE="America/New_York"):
            slots = find_slots(
                massage_type,
                scenario.date_from,
                scenario.date_to,
                location=None if scenario.only_location is None else location_ids[scenario.only_location],
                now=scenario.now,
                min_notice=scenario.min_notice,
                horizon=scenario.horizon,
                ignoring=ignoring,
            )
        transaction.set_rollback(True)

    engine = sorted((slot.start, slot.end, slot.therapist_id, slot.location_id) for slot in slots)
    assert engine == reference_slots(scenario, ids, location_ids)


MONDAY = date(2026, 3, 9)
NEW_YORK, LONDON = ZONES


def _plain_scenario(**changes: object) -> Scenario:
    """One therapist working 08:00-12:00 in New York, one plain room there, nothing booked."""
    scenario = Scenario(
        date_from=MONDAY,
        date_to=MONDAY,
        duration=60,
        buffer=15,
        needs=set(),
        grid=30,
        now=datetime(2026, 3, 8, 12, tzinfo=NEW_YORK).astimezone(UTC),
        min_notice=timedelta(0),
        horizon=timedelta(days=5),
        locations=[LocationPlan(NEW_YORK, True), LocationPlan(LONDON, True)],
        rooms=[RoomPlan(location=0, features=set(), active=True)],
        therapists=[TherapistPlan(active=True, offers=True, week={day: [(0, 8 * 60, 12 * 60)] for day in range(7)})],
    )
    for name, value in changes.items():
        setattr(scenario, name, value)
    return scenario


def _found(scenario: Scenario) -> list[str]:
    """Return the first therapist's slots as "HH:MM@location id" on New York's clock (locations 100 and 200)."""
    ids = list(range(1, len(scenario.therapists) + 1))
    return [
        f"{s.astimezone(NEW_YORK):%H:%M}@{where}"
        for s, _, therapist_id, where in reference_slots(scenario, ids, [100, 200])
        if therapist_id == 1
    ]


def _booking(room: int, hour: int) -> Booking:
    """A confirmed 60-minute session at the hour on Monday in New York, with a 15-minute buffer."""
    start = _wall(MONDAY, hour * 60, NEW_YORK)
    return Booking(room, start, start + timedelta(hours=1), start + timedelta(minutes=75), Status.CONFIRMED)


ALL_MORNING = ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00"]


def test_the_reference_itself_finds_the_plain_slots() -> None:
    """Hand-checked cases, so a reference that finds nothing cannot pass the property."""
    scenario = _plain_scenario()
    assert _found(scenario) == [f"{t}@100" for t in ALL_MORNING]

    # From 08:30 on, a session plus its buffer would run into 10:00; 11:00 meets the appointment's buffer.
    scenario.therapists[0].bookings = [_booking(0, 10)]
    assert _found(scenario) == ["08:00@100", "08:30@100"]
    scenario.ignoring = (0, 0)
    assert _found(scenario) == [f"{t}@100" for t in ALL_MORNING]


def test_the_reference_itself_needs_a_free_suitable_room() -> None:
    # Another therapist's session holds the only room 10:00-11:15, buffer included.
    scenario = _plain_scenario()
    scenario.therapists.append(TherapistPlan(active=True, offers=True, week={}, bookings=[_booking(0, 10)]))
    assert _found(scenario) == ["08:00@100", "08:30@100"]
    scenario.rooms.append(RoomPlan(location=0, features=set(), active=True))
    assert _found(scenario) == [f"{t}@100" for t in ALL_MORNING]

    scenario = _plain_scenario(needs={"heated-table"})
    assert _found(scenario) == []
    scenario.rooms.append(RoomPlan(location=0, features={"heated-table", "double-room"}, active=True))
    assert _found(scenario) == [f"{t}@100" for t in ALL_MORNING]
    # The session and its buffer must be over when the heated room closes at 10:00.
    scenario.rooms[1].closures = [(_wall(MONDAY, 10 * 60, NEW_YORK), _wall(MONDAY, 12 * 60, NEW_YORK))]
    assert _found(scenario) == ["08:00@100", "08:30@100"]
    scenario.rooms[1].active = False
    assert _found(scenario) == []


def test_the_reference_itself_reads_each_location_on_its_own_clock() -> None:
    scenario = _plain_scenario(rooms=[RoomPlan(location=1, features=set(), active=True)])
    scenario.therapists[0].week = {day: [(1, 13 * 60, 15 * 60)] for day in range(7)}
    # On Monday 2026-03-09 New York keeps summer time and London not yet: 13:00 there is 09:00 here.
    assert _found(scenario) == ["09:00@200", "09:30@200", "10:00@200"]
    scenario.locations[1].active = False
    assert _found(scenario) == []
