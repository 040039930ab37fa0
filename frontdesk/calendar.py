"""The read side of the front desk's calendar: a location's day (or one lane's week) as a grid.

A fixed number of queries whatever the number of therapists, rooms or sessions: the working
hours of the therapists who work there (with their locations), their time off, the sessions
(with patient, massage, therapist and room, and whether each is the patient's first), the
rooms, their closures, and one aggregate for the version the page polls. Everything else is
computed in memory by frontdesk.grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.expressions import Combinable
from django.urls import reverse

from booking.availability import clinic_day_bounds
from booking.models import Appointment, Status
from clinic import dates
from frontdesk.grid import Booked, Cell, Interval, Lane, display_hours, lane_cells, rows_of_day
from locations.models import Location, Room, RoomClosure
from therapists.models import Therapist, TimeOff, WorkingHours

BY_THERAPIST = "therapist"
BY_ROOM = "room"


@dataclass(frozen=True)
class Column:
    """One column of the grid: a therapist's or a room's day."""

    key: str
    label: str
    day: date
    therapist_id: int | None
    room_id: int | None
    cells: list[Cell]


@dataclass(frozen=True)
class Calendar:
    """What the calendar page shows: the columns side by side, on the rows of the slot grid."""

    location: Location
    days: list[date]
    times: list[time]
    columns: list[Column]
    grid_minutes: int
    sessions: dict[int, dict[str, object]] = field(default_factory=dict)
    # Who works at the location in the range: the room view's booking form asks which of them.
    therapists: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[int, time, list[tuple[Column, Cell]]]]:
        return [
            (index, moment, [(column, column.cells[index]) for column in self.columns])
            for index, moment in enumerate(self.times)
        ]


@dataclass
class _Week:
    hours: list[WorkingHours]
    time_off: list[TimeOff]
    appointments: list[Appointment]
    rooms: list[Room]
    closures: list[RoomClosure]


def first_visit() -> Combinable:
    """Return the annotation of whether a session is its patient's first with the clinic (a subquery, no query)."""
    earlier = Appointment.objects.booked().filter(patient_id=OuterRef("patient_id"), start__lt=OuterRef("start"))
    return ~Exists(earlier)


def _load(location: Location, day_from: date, day_to: date, *, therapist_id: int | None, room_id: int | None) -> _Week:
    start, end = clinic_day_bounds(day_from, day_to, location.zone)
    weekdays = sorted({(day_from + timedelta(days=n)).weekday() for n in range((day_to - day_from).days + 1)})
    working_here = WorkingHours.objects.filter(location=location, weekday__in=weekdays, therapist__is_active=True)
    if therapist_id is not None:
        working_here = working_here.filter(therapist_id=therapist_id)
    hours = list(
        WorkingHours.objects.filter(therapist_id__in=working_here.values("therapist_id"), weekday__in=weekdays)
        .select_related("therapist", "location")
        .order_by("therapist__display_name", "therapist_id", "start")
    )
    therapist_ids = sorted({span.therapist_id for span in hours})
    time_off = list(
        TimeOff.objects.filter(therapist_id__in=therapist_ids).overlapping(start, end).order_by("start")
        if therapist_ids
        else []
    )
    sessions = Appointment.objects.active().filter(room__location=location, start__lt=end, blocked_until__gt=start)
    if therapist_id is not None:
        sessions = sessions.filter(therapist_id=therapist_id)
    if room_id is not None:
        sessions = sessions.filter(room_id=room_id)
    appointments = list(
        sessions.select_related("patient", "massage_type", "therapist", "room")
        .annotate(first_visit=first_visit())
        .order_by("start")
    )
    rooms = list(Room.objects.filter(location=location).filter(Q(is_active=True) | Q(pk=room_id)).order_by("name"))
    closures = list(RoomClosure.objects.filter(room__location=location).overlapping(start, end).order_by("start"))
    return _Week(hours, time_off, appointments, rooms, closures)


def _link_patterns() -> tuple[str, str]:
    # Reversed once per page, not once per session: a busy day has dozens.
    return (
        reverse("admin:booking_appointment_change", args=[0]).replace("/0/", "/{}/"),
        reverse("frontdesk:history", args=[0]).replace("/0/", "/{}/"),
    )


def card(
    appointment: Appointment, *, now: datetime, zone: ZoneInfo, links: tuple[str, str] | None = None
) -> dict[str, object]:
    """Return what a session shows in its cell and its panel (never its health notes), in the zone."""
    admin_link, history_link = links or _link_patterns()
    start = appointment.start.astimezone(zone)
    end = appointment.end.astimezone(zone)
    patient = appointment.patient
    confirmed = appointment.status == Status.CONFIRMED
    return {
        "id": appointment.pk,
        "patient": patient.get_full_name() or patient.email,
        "patient_id": patient.pk,
        "contact": " · ".join(part for part in (patient.phone, patient.email) if part),
        "massage": str(appointment.massage_type),
        "massage_id": appointment.massage_type_id,
        "duration_minutes": appointment.massage_type.duration_minutes,
        "therapist": str(appointment.therapist),
        "therapist_id": appointment.therapist_id,
        "room": appointment.room.name,
        "room_id": appointment.room_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "time": dates.clock_span(start.time(), end.time()),
        "status": appointment.status,
        "status_label": appointment.get_status_display(),
        "red_flags": len(appointment.red_flags or []),
        "new_patient": bool(getattr(appointment, "first_visit", False)),
        "can_change": confirmed and appointment.start > now,
        "can_mark": appointment.status != Status.CANCELLED and appointment.start <= now,
        "admin_url": admin_link.format(appointment.pk),
        "history_url": history_link.format(appointment.pk),
    }


def _spans_on(day: date, spans: list[WorkingHours]) -> list[WorkingHours]:
    return [span for span in spans if span.weekday == day.weekday()]


def _interval(day: date, span: WorkingHours) -> Interval:
    zone = span.location.zone
    return datetime.combine(day, span.start, tzinfo=zone), datetime.combine(day, span.end, tzinfo=zone)


def _therapist_lane(day: date, therapist_id: int, week: _Week, location: Location, cards: dict) -> Lane:
    spans = _spans_on(day, [span for span in week.hours if span.therapist_id == therapist_id])
    return Lane(
        here=[_interval(day, span) for span in spans if span.location_id == location.pk],
        elsewhere=[(_interval(day, span), span.location.name) for span in spans if span.location_id != location.pk],
        away=[((off.start, off.end), off.reason) for off in week.time_off if off.therapist_id == therapist_id],
        sessions=[_booked(a, cards) for a in week.appointments if a.therapist_id == therapist_id],
    )


def _room_lane(day: date, room_id: int, week: _Week, location: Location, cards: dict) -> Lane:
    spans = [span for span in _spans_on(day, week.hours) if span.location_id == location.pk]
    return Lane(
        here=[_interval(day, span) for span in spans],
        elsewhere=[],
        away=[((c.start, c.end), c.reason) for c in week.closures if c.room_id == room_id],
        sessions=[_booked(a, cards) for a in week.appointments if a.room_id == room_id],
        away_state="room-closed",
        shows="therapist",
    )


def _booked(appointment: Appointment, cards: dict[int, dict[str, object]]) -> Booked:
    return Booked(appointment.pk, appointment.start, appointment.end, appointment.blocked_until, cards[appointment.pk])


def _times(days: list[date], week: _Week, location: Location) -> tuple[time, time]:
    spans = [(span.start, span.end) for span in week.hours if span.location_id == location.pk]
    zone = location.zone
    for appointment in week.appointments:
        start, end = appointment.start.astimezone(zone), appointment.blocked_until.astimezone(zone)
        spans.append((start.time(), end.time() if end.date() == start.date() else time(23, 59)))
    return display_hours(spans)


def build(
    *,
    location: Location,
    day_from: date,
    day_to: date,
    now: datetime,
    by: str = BY_THERAPIST,
    therapist: Therapist | None = None,
    room: Room | None = None,
) -> Calendar:
    """Return the grid of the location from day_from to day_to: a column per therapist or room and day."""
    grid = int(settings.BOOKING_SLOT_GRID_MINUTES)
    week = _load(
        location,
        day_from,
        day_to,
        therapist_id=therapist.pk if therapist else None,
        room_id=room.pk if room else None,
    )
    days = [day_from + timedelta(days=n) for n in range((day_to - day_from).days + 1)]
    links = _link_patterns()
    cards = {a.pk: card(a, now=now, zone=location.zone, links=links) for a in week.appointments}
    for appointment in week.appointments:
        minutes = (appointment.end - appointment.start).total_seconds() / 60
        cards[appointment.pk]["rows"] = max(1, min(32, -(-int(minutes) // grid)))
    first, last = _times(days, week, location)
    times = [moment.time() for moment in rows_of_day(days[0], first, last, location.zone, grid)]
    lanes = _lanes(days, week, location, by=by, therapist=therapist, room=room)
    columns = []
    for key, label, day, therapist_id, room_id, lane in lanes(cards):
        rows = rows_of_day(day, first, last, location.zone, grid)
        columns.append(
            Column(key, label, day, therapist_id, room_id, lane_cells(rows, grid, lane, now=now, label=label))
        )
    working = {span.therapist_id: span.therapist.display_name for span in week.hours if span.location_id == location.pk}
    staff = sorted(working.items(), key=lambda item: (item[1], item[0]))
    return Calendar(location, days, times, columns, grid, cards, staff)


def _lanes(
    days: list[date], week: _Week, location: Location, *, by: str, therapist: Therapist | None, room: Room | None
):
    """Return a function of the cards that yields (key, label, day, therapist id, room id, lane) per column."""

    def therapists() -> list[tuple[int, str]]:
        seen: dict[int, str] = {}
        for span in week.hours:
            if span.location_id == location.pk:
                seen.setdefault(span.therapist_id, span.therapist.display_name)
        for appointment in week.appointments:
            seen.setdefault(appointment.therapist_id, appointment.therapist.display_name)
        return sorted(seen.items(), key=lambda item: (item[1], item[0]))

    def lanes(cards: dict[int, dict[str, object]]):
        several_days = len(days) > 1
        if therapist is not None or room is not None:
            for day in days:
                label = dates.short_day(day)
                if therapist is not None:
                    yield (
                        f"t{therapist.pk}-{day}",
                        label,
                        day,
                        therapist.pk,
                        None,
                        _therapist_lane(day, therapist.pk, week, location, cards),
                    )
                else:
                    assert room is not None
                    yield (
                        f"r{room.pk}-{day}",
                        label,
                        day,
                        None,
                        room.pk,
                        _room_lane(day, room.pk, week, location, cards),
                    )
            return
        for day in days:
            suffix = f" {dates.short_day(day)}" if several_days else ""
            if by == BY_ROOM:
                for each in week.rooms:
                    yield (
                        f"r{each.pk}-{day}",
                        each.name + suffix,
                        day,
                        None,
                        each.pk,
                        _room_lane(day, each.pk, week, location, cards),
                    )
            else:
                for therapist_id, name in therapists():
                    yield (
                        f"t{therapist_id}-{day}",
                        name + suffix,
                        day,
                        therapist_id,
                        None,
                        _therapist_lane(day, therapist_id, week, location, cards),
                    )

    return lanes


def version(location: Location, day_from: date, day_to: date) -> str:
    """Return a tag that changes whenever a session of the location in the range is booked or changed (one query)."""
    start, end = clinic_day_bounds(day_from, day_to, location.zone)
    seen = Appointment.objects.filter(Q(start__lt=end, blocked_until__gt=start), room__location=location).aggregate(
        count=Count("id"), last=Max("updated_at"), top=Max("id")
    )
    last = seen["last"].timestamp() if seen["last"] else 0
    return f"{location.pk}-{day_from}-{day_to}-{seen['count']}-{seen['top'] or 0}-{last:.6f}"
