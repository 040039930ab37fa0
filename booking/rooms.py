"""Which room a session takes, and the staff's changes to rooms: moving a session, closing a room.

The patient never chooses a room. `choose_room` picks, among the rooms free for the
session's whole blocked span, the one with the fewest features (a heated table or a double
room stays free for the massages that need it), then the tightest fit (the room whose free
gap around the session is smallest, so long gaps elsewhere stay whole for long sessions),
then the lowest id. It is called under the location's lock (booking.locks), so two
bookings at one location never choose at once; the exclusion constraint on rooms still has
the last word.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.postgres.fields import RangeBoundary
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, DateTimeField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import locks, signals
from booking.exceptions import BookingError, InvalidBooking, NotAllowed, SlotTaken
from booking.models import ACTIVE_STATUSES, Appointment, MassageType, Status
from booking.slot_reads import suitable_rooms
from clinic import dates
from clinic.constraints import TsTzRange
from clinic.models import User
from locations.models import Location, Room, RoomClosure, RoomQuerySet
from therapists.models import Therapist, WorkingHours

ROOM_CLOSURE_CANCELLATION_REASON = "The treatment room is closed at that time."
# How far the tightest-fit rule looks either side of a session for the room's neighbours.
_FIT_HORIZON = timedelta(hours=12)


def meeting(sessions: QuerySet[Appointment], start: datetime, end: datetime) -> QuerySet[Appointment]:
    """Keep the sessions whose blocked span [start, blocked_until) meets [start, end).

    On PostgreSQL as the exclusion constraints' range, so the per-room and per-therapist
    check is a scan of their GiST index (a plain comparison of the two columns is answered
    from the same index by its first column alone: every session of the room is read).
    """
    if connection.vendor != "postgresql":
        return sessions.filter(start__lt=end, blocked_until__gt=start)
    return sessions.annotate(blocked_span=TsTzRange("start", "blocked_until", RangeBoundary())).filter(
        blocked_span__overlap=(start, end)
    )


def free_rooms(
    *,
    massage_type: MassageType,
    location_id: int,
    start: datetime,
    blocked_until: datetime,
    ignoring: int | None = None,
) -> RoomQuerySet:
    """Return the suitable rooms neither closed nor holding an active session in [start, blocked_until), best first."""
    taken = meeting(Appointment.objects.active().filter(room_id=OuterRef("pk")), start, blocked_until)
    if ignoring is not None:
        taken = taken.exclude(pk=ignoring)
    closed = RoomClosure.objects.filter(room_id=OuterRef("pk"), start__lt=blocked_until, end__gt=start)
    before = meeting(
        Appointment.objects.active().filter(room_id=OuterRef("pk"), blocked_until__lte=start),
        start - _FIT_HORIZON,
        start,
    )
    after = Appointment.objects.active().filter(
        room_id=OuterRef("pk"), start__gte=blocked_until, start__lt=blocked_until + _FIT_HORIZON
    )
    if ignoring is not None:
        before, after = before.exclude(pk=ignoring), after.exclude(pk=ignoring)
    return (
        suitable_rooms(massage_type, location_id)
        .filter(~Exists(taken), ~Exists(closed))
        .annotate(
            feature_count=Count("features", distinct=True),
            free_from=Coalesce(
                Subquery(before.order_by("-blocked_until").values("blocked_until")[:1]),
                Value(start - _FIT_HORIZON, output_field=DateTimeField()),
            ),
            free_until=Coalesce(
                Subquery(after.order_by("start").values("start")[:1]),
                Value(blocked_until + _FIT_HORIZON, output_field=DateTimeField()),
            ),
        )
        .order_by("pk")
    )


def best_first(rooms: Iterable[Room]) -> list[Room]:
    """Sort rooms from `free_rooms` by the rule above: fewest features, then the tightest gap, then id."""
    return sorted(rooms, key=lambda room: (room.feature_count, room.free_until - room.free_from, room.pk))  # type: ignore[attr-defined]


# free_rooms and best_first as one statement for the booking path, answering with the room
# chosen alone: the ORM takes longer to build that query than PostgreSQL takes to answer it.
# One scan of the location's sessions near the start (through the exclusion constraints'
# GiST index) gives each room's clash and its neighbours on both sides.
# tests/booking/test_rooms.py holds it to best_first(free_rooms(...)).
# The columns are named, not `*`: a prepared statement's result may not change its columns
# when a migration adds one to the table.
_ROOM_TO_TAKE = """
SELECT {outer_columns}
  FROM (
    SELECT {inner_columns},
           (SELECT count(*) FROM {room_features} f WHERE f.room_id = r.id) AS feature_count,
           COALESCE(max(a.blocked_until) FILTER (WHERE a.blocked_until <= %(start)s), %(fit_from)s) AS free_from,
           COALESCE(min(a.start) FILTER (WHERE a.start >= %(until)s), %(fit_until)s) AS free_until
      FROM {room} r
      JOIN {location} l ON l.id = r.location_id
      LEFT JOIN {appointment} a
        ON a.room_id = r.id AND a.status = ANY(%(active)s) AND a.id <> %(ignoring)s
       AND tstzrange(a.start, a.blocked_until, '[)') && tstzrange(%(fit_from)s, %(fit_until)s, '[)')
     WHERE r.location_id = %(location)s AND r.is_active AND l.is_active
       AND NOT EXISTS (SELECT 1 FROM {needs} n WHERE n.massagetype_id = %(massage_type)s
                          AND NOT EXISTS (SELECT 1 FROM {room_features} f
                                           WHERE f.room_id = r.id AND f.roomfeature_id = n.roomfeature_id))
       AND NOT EXISTS (SELECT 1 FROM {closure} c
                        WHERE c.room_id = r.id AND c.start < %(until)s AND c."end" > %(start)s)
     GROUP BY r.id
    HAVING NOT COALESCE(bool_or(a.start < %(until)s AND a.blocked_until > %(start)s), false)
  ) room
 ORDER BY room.id = %(keep)s DESC, room.feature_count, room.free_until - room.free_from, room.id
 LIMIT 1
"""


def _room_to_take(
    *,
    massage_type_id: int,
    location_id: int,
    start: datetime,
    blocked_until: datetime,
    ignoring: int | None,
    keep: int | None,
) -> Room | None:
    """Return what choose_room returns from best_first(free_rooms(...)), in one statement (PostgreSQL)."""
    quote = connection.ops.quote_name
    columns = [quote(field.column) for field in Room._meta.concrete_fields]
    sql = _ROOM_TO_TAKE.format(
        outer_columns=", ".join(f"room.{column}" for column in columns),
        inner_columns=", ".join(f"r.{column}" for column in columns),
        room=quote(Room._meta.db_table),
        location=quote(Location._meta.db_table),
        room_features=quote(Room.features.through._meta.db_table),
        needs=quote(MassageType.needs_features.through._meta.db_table),
        appointment=quote(Appointment._meta.db_table),
        closure=quote(RoomClosure._meta.db_table),
    )
    params: dict[str, Any] = {
        "active": [status.value for status in ACTIVE_STATUSES],
        "ignoring": ignoring or 0,
        "keep": keep or 0,
        "location": location_id,
        "massage_type": massage_type_id,
        "start": start,
        "until": blocked_until,
        "fit_from": start - _FIT_HORIZON,
        "fit_until": blocked_until + _FIT_HORIZON,
    }
    with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]  # clinic.postgresql's
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return Room.from_db(connection.alias, [field.attname for field in Room._meta.concrete_fields], row)


def choose_room(
    *,
    massage_type: MassageType,
    location_id: int,
    start: datetime,
    blocked_until: datetime,
    ignoring: int | None = None,
    keep: int | None = None,
) -> Room | None:
    """Return the room a session should take, or None when no suitable room is free.

    `keep` is the room the session holds now (a reschedule): it stays there when still free,
    so a move in time does not shuffle rooms needlessly.
    """
    if connection.vendor == "postgresql":
        return _room_to_take(
            massage_type_id=massage_type.pk,
            location_id=location_id,
            start=start,
            blocked_until=blocked_until,
            ignoring=ignoring,
            keep=keep,
        )
    rooms = best_first(
        free_rooms(
            massage_type=massage_type,
            location_id=location_id,
            start=start,
            blocked_until=blocked_until,
            ignoring=ignoring,
        )
    )
    if not rooms:
        return None
    for room in rooms:
        if room.pk == keep:
            return room
    return rooms[0]


def check_wanted(
    room: Room,
    *,
    massage_type: MassageType,
    location_id: int,
    start: datetime,
    blocked_until: datetime,
    ignoring: int | None = None,
) -> Room:
    """Return the room staff chose if it can take the session, or raise saying why it cannot."""
    free = free_rooms(
        massage_type=massage_type, location_id=location_id, start=start, blocked_until=blocked_until, ignoring=ignoring
    )
    chosen = free.filter(pk=room.pk).select_related("location").first()
    if chosen is not None:
        return chosen
    room = Room.objects.select_related("location").get(pk=room.pk)
    if room.location_id != location_id:
        raise InvalidBooking(
            f"{room} is not where the therapist works then.",
            fields={"room": "Choose a room at the location the therapist works at then."},
        )
    if not room.is_active:
        raise InvalidBooking(f"{room} is not in use.", fields={"room": "This room is not in use."})
    if not suitable_rooms(massage_type, location_id).filter(pk=room.pk).exists():
        missing = ", ".join(str(feature) for feature in massage_type.needs_features.exclude(rooms=room))
        raise InvalidBooking(
            f"{massage_type} needs a room with: {missing}.", fields={"room": f"{room.name} has no {missing}."}
        )
    raise SlotTaken(f"{room} is taken or closed at that time.", fields={"room": "Taken or closed then."})


def _check_room_for(appointment: Appointment, room: Room, *, now: datetime) -> None:
    if not room.is_active or not room.location.is_active:
        raise InvalidBooking(f"{room} is not in use.", fields={"room": "This room is not in use."})
    if room.location_id != appointment.room.location_id:
        raise InvalidBooking(
            f"{room} is at {room.location}; the session is at {appointment.room.location}.",
            fields={"room": f"Choose a room at {appointment.room.location}: the therapist works there then."},
        )
    if not suitable_rooms(appointment.massage_type, room.location_id).filter(pk=room.pk).exists():
        missing = ", ".join(str(feature) for feature in appointment.massage_type.needs_features.exclude(rooms=room))
        raise InvalidBooking(
            f"{appointment.massage_type} needs a room with: {missing}.",
            fields={"room": f"{room.name} has no {missing}."},
        )
    if RoomClosure.objects.filter(room=room).overlapping(appointment.start, appointment.blocked_until).exists():
        raise SlotTaken(f"{room} is closed at that time.")
    clash = (
        Appointment.objects.active()
        .for_room(room)
        .overlapping(appointment.start, appointment.blocked_until)
        .exclude(pk=appointment.pk)
        .select_related("therapist")
        .first()
    )
    if clash is not None:
        at = dates.clock(clash.start, room.location.zone)
        raise SlotTaken(f"{room} is taken then: a session with {clash.therapist} at {at}.")


@transaction.atomic
def change_room(*, appointment: Appointment, room: Room, by: User, now: datetime | None = None) -> Appointment:
    """Move a session to another room at its location (staff only), or raise a BookingError."""
    now = now or timezone.now()
    if not by.is_staff:
        raise NotAllowed("Only the clinic's staff can change a session's room.")
    locks.lock_locations(room.location_id, appointment.room.location_id)
    locked = locks.lock_appointment(appointment.pk)
    if locked.room_id == room.pk:
        return locked
    if locked.status not in ACTIVE_STATUSES:
        raise InvalidBooking("A cancelled session holds no room.", fields={"room": "The session is cancelled."})
    room = Room.objects.select_related("location").get(pk=room.pk)
    _check_room_for(locked, room, now=now)
    previous = locked.room
    locked.room = room
    try:
        with transaction.atomic():
            locked.save(update_fields=["room", "updated_at"])
    except IntegrityError as exc:
        raise SlotTaken(f"{room} was just taken at that time.") from exc
    history.record(
        Kind.ROOM_CHANGED,
        summary=f"Room changed from {previous} to {room}",
        by=by,
        appointment_id=locked.pk,
        patient_id=locked.patient_id,
        therapist_id=locked.therapist_id,
        data={"from": previous.pk, "to": room.pk},
        at=now,
    )
    return locked


class RoomClosureConflict(BookingError):
    """The closure covers sessions staff have not seen or decided about yet."""

    code = "room_closure_conflict"
    status = 409

    def __init__(self, message: str, *, moves: list[PlannedMove]) -> None:
        super().__init__(message, fields={"unmovable": "Choose what happens to the sessions no room can take."})
        self.moves = moves


@dataclass(frozen=True)
class PlannedMove:
    """A session a closure covers, and the room it can move to (None when no suitable room is free)."""

    appointment: Appointment
    to: Room | None


@dataclass(frozen=True)
class RoomClosureResult:
    closure: RoomClosure
    moved: list[Appointment] = field(default_factory=list)
    kept: list[Appointment] = field(default_factory=list)
    cancelled: list[Appointment] = field(default_factory=list)


class Unmovable(models.TextChoices):
    """What happens to covered sessions no other room can take."""

    KEEP = "keep", "Keep them in this room (I will sort it out)"
    CANCEL = "cancel", "Cancel them and notify the patients"


def plan_moves(*, room: Room, start: datetime, end: datetime, now: datetime) -> list[PlannedMove]:
    """Return the confirmed sessions, not yet started, that the closure would cover, each with its new room."""
    covered = (
        Appointment.objects.for_room(room)
        .filter(status=Status.CONFIRMED, start__gt=now)
        .overlapping(start, end)
        .select_related("patient", "massage_type", "therapist", "room__location")
        .order_by("start")
    )
    moves: list[PlannedMove] = []
    # Later moves must not take a room an earlier one was given: plan one after another.
    promised: dict[int, list[tuple[datetime, datetime]]] = {}
    for appointment in covered:
        candidates = best_first(
            free_rooms(
                massage_type=appointment.massage_type,
                location_id=room.location_id,
                start=appointment.start,
                blocked_until=appointment.blocked_until,
                ignoring=appointment.pk,
            ).exclude(pk=room.pk)
        )
        to = next(
            (
                candidate
                for candidate in candidates
                if not any(
                    s < appointment.blocked_until and appointment.start < e for s, e in promised.get(candidate.pk, [])
                )
            ),
            None,
        )
        if to is not None:
            promised.setdefault(to.pk, []).append((appointment.start, appointment.blocked_until))
        moves.append(PlannedMove(appointment, to))
    return moves


@transaction.atomic
def close_room(
    *,
    room: Room,
    start: datetime,
    end: datetime,
    by: User,
    reason: str = "",
    unmovable: str | None = None,
    acknowledged: Collection[int] = (),
    now: datetime | None = None,
) -> RoomClosureResult:
    """Close a room for a span, moving the sessions it covers to other suitable rooms at the location.

    Sessions no other room can take are kept or cancelled as `unmovable` says; until staff
    have seen every covered session (`acknowledged`) and decided, RoomClosureConflict lists them.
    """
    from booking import services

    now = now or timezone.now()
    if not by.is_staff:
        raise NotAllowed("Only the clinic's staff can close a room.")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise InvalidBooking("Times need a time zone.", fields={"start": "Give an ISO 8601 offset."})
    if start >= end:
        raise InvalidBooking("The end must be after the start.", fields={"end": "The end must be after the start."})
    if end <= now:
        raise InvalidBooking("That closure is already over.", fields={"end": "The end must be in the future."})
    # The location's lock serialises with `book`: no session slips into the room unseen.
    locks.lock_locations(room.location_id)
    if RoomClosure.objects.filter(room=room).overlapping(start, end).exists():
        raise InvalidBooking(
            "This room is already closed for part of that time.", fields={"start": "Overlaps another closure."}
        )
    moves = plan_moves(room=room, start=start, end=end, now=now)
    stuck = [move for move in moves if move.to is None]
    unseen = {move.appointment.pk for move in moves} - set(acknowledged)
    if moves and (unseen or (stuck and unmovable not in Unmovable.values)):
        count = len(moves)
        raise RoomClosureConflict(
            f"This closure covers {count} booked session{'s' if count != 1 else ''}: "
            f"{count - len(stuck)} can move to another room, {len(stuck)} cannot. "
            "Confirm the moves and choose what happens to the rest.",
            moves=moves,
        )
    closure = RoomClosure.objects.create(room=room, start=start, end=end, reason=reason[:200])
    moved: list[Appointment] = []
    for move in moves:
        if move.to is not None:
            moved.append(change_room(appointment=move.appointment, room=move.to, by=by, now=now))
    kept = [move.appointment for move in stuck if unmovable == Unmovable.KEEP]
    cancelled = [
        services.cancel(appointment=move.appointment, by=by, reason=ROOM_CLOSURE_CANCELLATION_REASON, now=now)
        for move in stuck
        if unmovable == Unmovable.CANCEL
    ]
    history.record(
        Kind.ROOM_CLOSED,
        summary=f"{room} closed {history.when(start)} to {history.when(end)}"
        + (f" ({len(moved)} moved, {len(kept)} kept, {len(cancelled)} cancelled)" if moves else ""),
        by=by,
        data={
            "room": room.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "moved": [a.pk for a in moved],
            "kept": [a.pk for a in kept],
            "cancelled": [a.pk for a in cancelled],
        },
        at=now,
    )
    return RoomClosureResult(closure=closure, moved=moved, kept=kept, cancelled=cancelled)


@transaction.atomic
def reopen_room(*, closure: RoomClosure, by: User, now: datetime | None = None) -> None:
    """Remove a room's closure (staff only): its time is bookable again, and offered to whoever waits for it."""
    now = now or timezone.now()
    if not by.is_staff:
        raise NotAllowed("Only the clinic's staff can reopen a room.")
    room = Room.objects.get(pk=closure.room_id)
    locks.lock_locations(room.location_id)
    if not RoomClosure.objects.filter(pk=closure.pk).delete()[0]:
        return
    history.record(
        Kind.ROOM_CLOSED,
        summary=f"{room} reopened {history.when(closure.start)} to {history.when(closure.end)} (closure removed)",
        by=by,
        data={"room": room.pk, "start": closure.start.isoformat(), "end": closure.end.isoformat(), "reopened": True},
        at=now,
    )
    working_there = WorkingHours.objects.filter(location_id=room.location_id).values_list("therapist_id", flat=True)
    signals.time_freed.send(
        RoomClosure,
        therapist_ids=sorted(set(working_there)),
        location_id=room.location_id,
        start=closure.start,
        end=closure.end,
        now=now,
    )


def no_room_left(
    *, therapist: Therapist, massage_type: MassageType, start: datetime, end: datetime, ignoring: int | None
) -> bool:
    """Return whether the therapist works through [start, end) somewhere, but no suitable room there is free."""
    _, blocked_until = massage_type.span(start)
    for span in WorkingHours.objects.filter(therapist=therapist).select_related("location"):
        local_start = start.astimezone(span.location.zone)
        if local_start.weekday() != span.weekday:
            continue
        span_start, span_end = span.on(local_start.date())
        if span_start <= start and end <= span_end:
            return not free_rooms(
                massage_type=massage_type,
                location_id=span.location.pk,
                start=start,
                blocked_until=blocked_until,
                ignoring=ignoring,
            ).exists()
    return False


def take_room(
    *,
    massage_type: MassageType,
    location_id: int,
    start: datetime,
    blocked_until: datetime,
    ignoring: int | None = None,
    keep: int | None = None,
    wanted: Room | None = None,
) -> Room:
    """Return the room the session takes (under the location's lock), or raise SlotTaken when none is free.

    `wanted` is a room staff chose; it must be at the location, suitable and free.
    """
    if wanted is not None:
        return check_wanted(
            wanted,
            massage_type=massage_type,
            location_id=location_id,
            start=start,
            blocked_until=blocked_until,
            ignoring=ignoring,
        )
    room = choose_room(
        massage_type=massage_type,
        location_id=location_id,
        start=start,
        blocked_until=blocked_until,
        ignoring=ignoring,
        keep=keep,
    )
    if room is None:
        raise SlotTaken("Sorry, no treatment room is free at that time any more. Please choose another slot.")
    return room


def lock_workplaces(*therapist_ids: int) -> None:
    """Lock the locations the therapists work at (after the therapists): their rooms are chosen under it."""
    locks.lock_locations(
        *WorkingHours.objects.filter(therapist_id__in=therapist_ids).values_list("location_id", flat=True).distinct()
    )
