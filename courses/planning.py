"""Plan a course of care: every date of the series, whether the asked time is free, and the nearest alternatives.

Plain functions of `now` and the zone the course is planned in. Which starts are free is
`booking.availability.find_slots`'s answer, asked once for the whole series (its query
count does not grow with the days); nothing here decides availability itself. The asked
time is a wall-clock time in the zone, so 10:00 stays 10:00 on both sides of a DST change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from booking.availability import Slot, find_slots
from booking.exceptions import InvalidBooking
from booking.models import Appointment, MassageType
from booking.opening import open_days
from clinic import dates
from locations.models import Location
from therapists.models import Therapist

INTERVALS = (1, 2)
MIN_SESSIONS = 2
# Days either side of a date that may offer an alternative: within one week's gap of the
# next session, so a weekly course never doubles up.
NEARBY_DAYS = (1, -1, 2, -2)
# How many alternatives each kind offers for one date.
SAME_THERAPIST_TIMES = 2
OTHER_THERAPISTS = 2
OTHER_DAYS = 2


class Kind:
    """Why an option is offered for a date (the page words each)."""

    ASKED = "asked"  # the asked time, with the asked therapist (or any)
    OTHER_TIME = "other_time"  # another time that day, same therapist
    OTHER_THERAPIST = "other_therapist"  # that day, another therapist
    OTHER_DAY = "other_day"  # a day either side


@dataclass(frozen=True)
class Option:
    """One bookable start for a session of the course."""

    start: datetime
    end: datetime
    therapist_id: int
    location_id: int
    kind: str


@dataclass(frozen=True)
class PlannedSession:
    """One date of the series: the asked time if it is free, else why not and the nearest alternatives."""

    number: int
    day: date
    wanted: datetime
    fits: Option | None
    alternatives: tuple[Option, ...]
    problem: str

    @property
    def proposal(self) -> Option | None:
        """Return what the plan books for this date unless the patient changes it."""
        return self.fits or (self.alternatives[0] if self.alternatives else None)

    @property
    def options(self) -> tuple[Option, ...]:
        return ((self.fits,) if self.fits else ()) + self.alternatives


@dataclass(frozen=True)
class CourseRequest:
    """What the patient asks for: one massage, a therapist (or any), a weekday and time, how often, how many."""

    massage_type: MassageType
    therapist: Therapist | None
    weekday: int
    clock: time
    interval_weeks: int
    sessions: int
    starting: date | None = None
    location: Location | None = None


@dataclass(frozen=True)
class CoursePlan:
    request: CourseRequest
    zone: ZoneInfo
    # The therapist the plan keeps to: the one asked for, or for "any" the one free at the
    # asked time on the most dates (continuity of care).
    therapist_id: int | None
    sessions: tuple[PlannedSession, ...]

    @property
    def all_fit(self) -> bool:
        return all(session.fits for session in self.sessions)


def check_request(request: CourseRequest, *, now: datetime, zone: ZoneInfo) -> None:
    """Raise InvalidBooking with field messages unless the request can be planned."""
    errors: dict[str, str] = {}
    most = settings.COURSE_MAX_SESSIONS
    if not MIN_SESSIONS <= request.sessions <= most:
        errors["sessions"] = f"A course has {MIN_SESSIONS} to {most} sessions."
    if request.interval_weeks not in INTERVALS:
        errors["interval_weeks"] = "A course has a session every week or every two weeks."
    if not 0 <= request.weekday <= 6:
        errors["weekday"] = "Choose a day of the week."
    if not request.massage_type.is_active:
        errors["massage_type"] = "This massage is not offered at the moment."
    therapist = request.therapist
    if therapist is not None and not (
        therapist.is_active and therapist.massage_types.filter(pk=request.massage_type.pk).exists()
    ):
        errors["therapist"] = f"{therapist} does not offer {request.massage_type}."
    if not errors:
        last = wanted_start(series_dates(request, now=now, zone=zone)[-1], request.clock, zone)
        if last > now + settings.BOOKING_HORIZON:
            errors["sessions"] = (
                f"We book {settings.BOOKING_HORIZON.days} days ahead, and this course would end on "
                f"{dates.long_day(last, zone)}: choose fewer sessions or a session every week."
            )
    if errors:
        raise InvalidBooking("Please check the course's details.", fields=errors)


def wanted_start(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """Return the asked wall-clock time on the date in the zone (its UTC offset is that date's)."""
    return datetime.combine(day, clock, tzinfo=zone)


def series_dates(request: CourseRequest, *, now: datetime, zone: ZoneInfo) -> list[date]:
    """Return every date of the series: the first asked weekday whose time is bookable, then every interval."""
    first = request.starting or now.astimezone(zone).date()
    first += timedelta(days=(request.weekday - first.weekday()) % 7)
    if wanted_start(first, request.clock, zone) < now + settings.BOOKING_MIN_NOTICE:
        first += timedelta(weeks=1)
    step = timedelta(weeks=request.interval_weeks)
    return [first + step * number for number in range(request.sessions)]


def plan_course(request: CourseRequest, *, now: datetime, zone: ZoneInfo, patient_id: int | None = None) -> CoursePlan:
    """Return every date of the series with the asked time if free, else the nearest alternatives.

    Alternatives come nearest first: another time that day with the same therapist, then
    another therapist that day, then a day or two either side. Starts that meet another
    session of the patient's are left out (a person is in one session at a time).
    """
    check_request(request, now=now, zone=zone)
    days = series_dates(request, now=now, zone=zone)
    reach = timedelta(days=max(NEARBY_DAYS))
    # One question for the whole series: every therapist who offers the massage, so "another
    # therapist" needs no second one.
    slots = find_slots(request.massage_type, days[0] - reach, days[-1] + reach, location=request.location, now=now)
    slots = _without_patient_clashes(slots, patient_id=patient_id)
    by_day: dict[date, list[Slot]] = defaultdict(list)
    for slot in slots:
        by_day[slot.start.astimezone(zone).date()].append(slot)
    wanted = {day: wanted_start(day, request.clock, zone) for day in days}
    therapist_id = request.therapist.pk if request.therapist else _most_available(by_day, wanted)
    worked = _worked_days(request, therapist_id, days)
    sessions = []
    for number, day in enumerate(days, start=1):
        at = wanted[day]
        fits = _asked(by_day[day], at, therapist_id, any_therapist=request.therapist is None)
        alternatives = () if fits else _alternatives(by_day, day, at, therapist_id, taken=set(days))
        problem = "" if fits else _problem(request, therapist_id, day, at, worked, zone)
        sessions.append(PlannedSession(number, day, at, fits, alternatives, problem))
    return CoursePlan(request=request, zone=zone, therapist_id=therapist_id, sessions=tuple(sessions))


def _without_patient_clashes(slots: list[Slot], *, patient_id: int | None) -> list[Slot]:
    if patient_id is None or not slots:
        return slots
    busy = list(
        Appointment.objects.active()
        .for_patient(patient_id)
        .filter(start__lt=slots[-1].end, end__gt=slots[0].start)
        .values_list("start", "end")
    )
    if not busy:
        return slots
    return [slot for slot in slots if not any(start < slot.end and slot.start < end for start, end in busy)]


def _most_available(by_day: dict[date, list[Slot]], wanted: dict[date, datetime]) -> int | None:
    """Return the therapist free at the asked time on the most dates (the lower id on a tie)."""
    counts = Counter(slot.therapist_id for day, at in wanted.items() for slot in by_day[day] if slot.start == at)
    if not counts:
        return None
    return min(counts, key=lambda therapist_id: (-counts[therapist_id], therapist_id))


def _option(slot: Slot, kind: str) -> Option:
    return Option(slot.start, slot.end, slot.therapist_id, slot.location_id, kind)


def _asked(day_slots: list[Slot], at: datetime, therapist_id: int | None, *, any_therapist: bool) -> Option | None:
    at_time = [slot for slot in day_slots if slot.start == at]
    preferred = [slot for slot in at_time if slot.therapist_id == therapist_id]
    if preferred:
        return _option(preferred[0], Kind.ASKED)
    if any_therapist and at_time:
        return _option(at_time[0], Kind.ASKED)
    return None


def _nearest(slots: list[Slot], at: datetime) -> list[Slot]:
    return sorted(slots, key=lambda slot: (abs(slot.start - at), slot.start, slot.therapist_id))


def _alternatives(
    by_day: dict[date, list[Slot]], day: date, at: datetime, therapist_id: int | None, *, taken: set[date]
) -> tuple[Option, ...]:
    same_day = by_day[day]
    found = [
        _option(slot, Kind.OTHER_TIME)
        for slot in _nearest([slot for slot in same_day if slot.therapist_id == therapist_id], at)[
            :SAME_THERAPIST_TIMES
        ]
    ]
    others: list[Option] = []
    seen: set[int] = set()
    for slot in _nearest([slot for slot in same_day if slot.therapist_id != therapist_id], at):
        if slot.therapist_id not in seen and len(others) < OTHER_THERAPISTS:
            seen.add(slot.therapist_id)
            others.append(_option(slot, Kind.OTHER_THERAPIST))
    found.extend(others)
    nearby: list[Option] = []
    for offset in NEARBY_DAYS:
        other_day = day + timedelta(days=offset)
        if other_day in taken or len(nearby) >= OTHER_DAYS:
            continue
        # The same wall-clock time that day (its own UTC offset), the same therapist first.
        same_clock = datetime.combine(other_day, at.time(), tzinfo=at.tzinfo)
        candidates = _nearest(by_day[other_day], same_clock)
        candidates.sort(key=lambda slot: slot.therapist_id != therapist_id)
        if candidates:
            nearby.append(_option(candidates[0], Kind.OTHER_DAY))
    found.extend(nearby)
    return tuple(found)


def _worked_days(request: CourseRequest, therapist_id: int | None, days: list[date]) -> set[date]:
    if therapist_id is None:
        return set()
    opening = open_days(request.massage_type, days[0], days[-1], [therapist_id], location=request.location)
    return {day.date for day in opening if day.open}


def _problem(
    request: CourseRequest,
    therapist_id: int | None,
    day: date,
    at: datetime,
    worked: set[date],
    zone: ZoneInfo,
) -> str:
    """Say why the asked time is not free that day."""
    who = request.therapist.display_name if request.therapist else "No therapist"
    if therapist_id is not None and request.therapist is not None and day not in worked:
        return f"{who} is not working on {dates.long_day(day)}."
    when = f"{dates.clock(at.astimezone(UTC), zone)} on {dates.long_day(day)}"
    if request.therapist is None:
        return f"No therapist is free at {when}."
    return f"{who} is not free at {when}."
