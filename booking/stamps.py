"""Version stamps of what an availability answer depends on, so a validator costs one query.

An answer depends on the sessions of the dates it covers (and days either side: a zone's
dates, a buffer past midnight) at the locations it covers, and on the
clinic's set-up: the catalogue, therapists, their hours and time off, locations and rooms.
Each of those has a row here, a counter that only goes up: a day at a location (bumped in
the transaction that saves a session there, through its save signal; in the one statement
that writes a new session, `booking.together`; and by the services for what a save does not
show: a move's old time, a released hold) and the clinic (bumped
by every save or delete of the set-up, admin's included, through signals).

The ETag of an answer is a digest of the query string, the moment's step on the slot grid
(the minimum notice and the horizon move with the clock), and the sum, count and newest id
of the rows it covers: a bump raises the sum, a new row the count, so any change that can
alter the answer changes its tag. The newest id (a sequence never rolled back) tells apart
two databases that reached the same sums, e.g. one restored from a backup. The stamps are
read before the answer is computed: a change made in between makes the answer newer than
its tag, never older, so a stale tag never hides a booking.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, connections, models, router
from django.db.models.signals import m2m_changed, post_delete, post_save

CLINIC = 0  # the location id of the clinic-wide row
CLINIC_DAY = date(2000, 1, 1)  # its date
_STEP = timedelta(minutes=15)  # every zone's offset is a multiple of it, so every grid line is too
# Changes when the answer's shape changes: a new release must not be revalidated by an old tag.
ANSWER_FORMAT = "2"


class AvailabilityStamp(models.Model):
    """A counter bumped by every change to the sessions of one date at one location, or (location 0) to the set-up."""

    location_id = models.IntegerField()
    day = models.DateField()
    version = models.BigIntegerField(default=1)

    class Meta:
        app_label = "booking"
        constraints = [models.UniqueConstraint(fields=["location_id", "day"], name="availability_stamp_once")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.day}: {self.version}"


def _bump(keys: Iterable[tuple[int, date]]) -> None:
    statement = bump_statement(keys)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def bump_statement(keys: Iterable[tuple[int, date]]) -> tuple[str, list[Any]] | None:
    """Return the one statement that bumps these (location id, day) stamps, or None if there are none."""
    rows = sorted(set(keys))
    if not rows:
        return None
    table = connection.ops.quote_name(AvailabilityStamp._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * len(rows))
    # One statement, the rows in one order: two writers bumping the same days queue, never deadlock.
    return (
        f"INSERT INTO {table} (location_id, day, version) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (location_id, day) DO UPDATE SET version = {table}.version + 1",
        [value for row in rows for value in row],
    )


def session_days(location_id: int, start: datetime, end: datetime) -> list[tuple[int, date]]:
    """Return the stamp keys of a span at a location: each UTC date it touches.

    UTC dates, so no zone is looked up: a tag covers two UTC dates either side of the local
    dates asked for, which holds every zone's day and a buffer past its midnight.
    """
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return [(location_id, first + timedelta(days=n)) for n in range((last - first).days + 1)]


def bump_sessions(*spans: tuple[int, datetime, datetime]) -> None:
    """Bump the days of these (location id, start, blocked_until) spans, in the caller's transaction."""
    _bump(session_keys(*spans))


def session_keys(*spans: tuple[int, datetime, datetime]) -> list[tuple[int, date]]:
    """Return the stamp keys of these (location id, start, blocked_until) spans."""
    return [key for location_id, start, end in spans for key in session_days(location_id, start, end)]


def bump_clinic(**_: Any) -> None:
    """Bump the clinic-wide stamp: the set-up changed (a signal receiver, also callable directly)."""
    _bump([(CLINIC, CLINIC_DAY)])


def _bump_clinic_after_m2m(*, action: str, **_: Any) -> None:
    if action.startswith("post_"):
        bump_clinic()


def availability_etag(query: Mapping[str, str], *, now: datetime) -> str | None:
    """Return the weak ETag an availability answer to this query has now, or None if the query cannot be read."""
    from therapists.models import TimeOff, WorkingHours

    try:
        date_from = date.fromisoformat(query["date_from"]) - timedelta(days=2)
        date_to = date.fromisoformat(query["date_to"]) + timedelta(days=2)
        location = int(query["location"]) if query.get("location") else None
    except (KeyError, ValueError, OverflowError):
        return None
    if not date.min < date_from <= date_to < date.max or (date_to - date_from).days > 70:
        return None
    table = connection.ops.quote_name(AvailabilityStamp._meta.db_table)
    hours_table = connection.ops.quote_name(WorkingHours._meta.db_table)
    away_table = connection.ops.quote_name(TimeOff._meta.db_table)
    where_location = "" if location is None else "AND location_id = %(location)s"
    # Hours replaced in bulk (portal.services) send no save signal: their count and newest id
    # say so, in the same query.
    sql = f"""
        SELECT stamps.total, stamps.n, stamps.last, hours.n, hours.last, away.n, away.last
          FROM (SELECT COALESCE(SUM(version), 0) AS total, COUNT(*) AS n, MAX(id) AS last FROM {table}
                 WHERE location_id = %(clinic)s
                    OR (location_id > %(clinic)s AND day BETWEEN %(first)s AND %(last)s {where_location})) stamps,
               (SELECT COUNT(*) AS n, MAX(id) AS last FROM {hours_table}) hours,
               (SELECT COUNT(*) AS n, MAX(id) AS last FROM {away_table}) away
    """  # noqa: S608
    params: dict[str, int | date | None] = {"clinic": CLINIC, "first": date_from, "last": date_to, "location": location}
    # The same database the answer will be read from (clinic.db_router: a replica inside replica_reads()).
    with connections[router.db_for_read(AvailabilityStamp)].cursor() as cursor:
        cursor.execute(sql, params)
        versions = cursor.fetchone() or ()
    notice_step = int((now + settings.BOOKING_MIN_NOTICE).timestamp() // _STEP.total_seconds())
    horizon_step = int((now + settings.BOOKING_HORIZON).timestamp() // _STEP.total_seconds())
    parts = [
        ANSWER_FORMAT,
        "&".join(f"{key}={value}" for key, value in sorted(query.items())),
        str(settings.BOOKING_SLOT_GRID_MINUTES),
        str(notice_step),
        str(horizon_step),
        *(str(value) for value in versions),
    ]
    return f'W/"{hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]}"'


# A save of only these (the intake, a note's time) leaves the session's time and room as they were.
_TIME_AND_PLACE = frozenset({"status", "start", "end", "blocked_until", "room", "therapist", "hold_expires_at"})


def _bump_session(*, instance: Any, update_fields: frozenset[str] | None = None, **_: Any) -> None:
    if update_fields is not None and not update_fields & _TIME_AND_PLACE:
        return
    # The room's location is at hand wherever the services save a session (they chose the room).
    bump_sessions((instance.room.location_id, instance.start, instance.blocked_until))


def connect() -> None:
    """Bump the stamps on every save of a session and every save or delete of the set-up (from ready())."""
    from booking.models import Appointment, MassageType
    from locations.models import Location, Room, RoomClosure, RoomFeature
    from therapists.models import Therapist, TimeOff, WorkingHours

    # Every saved session, whoever saves it; a new session written by booking.together (no
    # save signal), a conditional update (booking.holds) and a move's old time
    # (booking.services.reschedule) bump their days themselves.
    post_save.connect(_bump_session, sender=Appointment, dispatch_uid="stamps.session")
    for model in (MassageType, Location, Room, RoomClosure, RoomFeature, Therapist, TimeOff, WorkingHours):
        post_save.connect(bump_clinic, sender=model, dispatch_uid=f"stamps.save.{model.__name__}")
        post_delete.connect(bump_clinic, sender=model, dispatch_uid=f"stamps.delete.{model.__name__}")
    for through in (Therapist.massage_types.through, MassageType.needs_features.through, Room.features.through):
        m2m_changed.connect(_bump_clinic_after_m2m, sender=through, dispatch_uid=f"stamps.m2m.{through.__name__}")
