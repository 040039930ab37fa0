"""The reads of availability and of a booking's checks: fixed SQL statements on PostgreSQL, the ORM's elsewhere.

`find_slots` asks four questions for every answer (the hours of the therapists who offer the
massage, their time off, the suitable rooms with their closures, the sessions of those
therapists and rooms) and `open_days` a fifth (the hours joined with their time off). The
ORM took longer to build and compile those querysets than PostgreSQL took to answer them
(docs/PERFORMANCE.md), so on PostgreSQL each is one statement with parameters, written
once. So are the two reads a booking's checks make under its locks (the therapist's hours
with whether time off or a session is in the way; the patient's upcoming bookings and
clashes). The querysets stay for SQLite (`make run`); tests/booking/test_slot_reads.py holds
both to the same rows on PostgreSQL. Each read goes where the router sends its model's
reads: the replica inside `replica_reads()`, the primary in a transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Count, Exists, FilteredRelation, Model, OuterRef, Q, QuerySet

from booking.intervals import TICK
from booking.models import ACTIVE_STATUSES, Appointment, MassageType, Status
from locations.models import Location, Room, RoomClosure, RoomFeature, RoomQuerySet
from therapists.models import Therapist, TimeOff, WorkingHours

# (therapist id, location id, the location's zone, weekday, start, end): a span of working hours.
HoursRow = tuple[int, int, str, int, time, time]
HOURS_FIELDS = ("therapist_id", "location_id", "location__time_zone", "weekday", "start", "end")

# The engine's reads as PostgreSQL runs them. A room suits a massage when none of the
# features the massage needs is missing from it; a therapist offers it through the catalogue.
_SUITS = """r.is_active AND rl.is_active
       AND NOT EXISTS (SELECT 1 FROM {needs} n WHERE n.massagetype_id = %(massage_type)s
                          AND NOT EXISTS (SELECT 1 FROM {room_features} f
                                           WHERE f.room_id = r.id AND f.roomfeature_id = n.roomfeature_id))"""

_HOURS = """
SELECT h.therapist_id, h.location_id, l.time_zone, h.weekday, h.start, h."end"{off_columns}
  FROM {hours} h
  JOIN {location} l ON l.id = h.location_id
  JOIN {therapist} t ON t.id = h.therapist_id{off_join}
 WHERE l.is_active AND t.is_active
   AND EXISTS (SELECT 1 FROM {offers} o WHERE o.therapist_id = h.therapist_id AND o.massagetype_id = %(massage_type)s)
"""

_OFF_JOIN = """
  LEFT JOIN {time_off} off ON off.therapist_id = h.therapist_id AND off.start < %(until)s AND off."end" > %(since)s"""

_HAS_SUITABLE_ROOM = """
   AND EXISTS (SELECT 1 FROM {room} r JOIN {location} rl ON rl.id = r.location_id
                WHERE r.location_id = h.location_id AND """

# The slot check's flags; a session is in the way through the exclusion constraints' range,
# so the check is a scan of their GiST index.
_IN_THE_WAY = """,
       EXISTS (SELECT 1 FROM {time_off} o
                WHERE o.therapist_id = h.therapist_id AND o.start < %(end)s AND o."end" > %(start)s),
       EXISTS (SELECT 1 FROM {appointment} a
                WHERE a.therapist_id = h.therapist_id AND a.status = ANY(%(active)s) AND a.id <> %(ignoring)s
                  AND tstzrange(a.start, a.blocked_until, '[)') && tstzrange(%(start)s, %(until)s, '[)'))"""

# The patient's upcoming bookings (a course counts once) and sessions meeting [start, end).
_STANDING = """
SELECT count(*) FILTER (WHERE status = %(confirmed)s AND start >= %(now)s AND series IS NULL) AS singles,
       count(DISTINCT series) FILTER (WHERE status = %(confirmed)s AND start >= %(now)s) AS courses,
       count(*) FILTER (WHERE status = ANY(%(active)s) AND start < %(end)s AND "end" > %(start)s
                          AND id <> %(ignoring)s) AS clashes
  FROM {appointment} WHERE patient_id = %(patient)s
"""

_TIME_OFF = """
SELECT therapist_id, start, "end" FROM {time_off}
 WHERE therapist_id = ANY(%(therapists)s) AND start < %(until)s AND "end" > %(since)s
"""

_ROOMS = """
SELECT r.id, r.location_id, c.start, c."end"
  FROM {room} r
  JOIN {location} rl ON rl.id = r.location_id
  LEFT JOIN {closure} c ON c.room_id = r.id AND c.start < %(until)s AND c."end" > %(since)s
 WHERE r.location_id = ANY(%(locations)s) AND """

# Per location, the starts at which some suitable room is free: each room's free time in the
# range (its sessions and closures taken out, each widened by the buffer before it), cut to
# the starts a session of `length` fits after, then their union. Both steps are materialised
# and the rooms' ids handed to the sessions' scan as one array, so that the plan stays a single
# pass over the sessions even when the planner's statistics are behind (a busy new clinic).
_ROOM_STARTS = """
WITH rooms AS MATERIALIZED (
    SELECT r.id, r.location_id FROM {room} r JOIN {location} rl ON rl.id = r.location_id
     WHERE r.location_id = ANY(%(locations)s) AND {suits}
),
taken AS MATERIALIZED (
    SELECT a.room_id, range_agg(tstzrange(a.start - %(buffer)s, a.blocked_until, '[)')) AS spans
      FROM (SELECT a.room_id, a.start, a.blocked_until FROM {appointment} a
             WHERE a.room_id = ANY(ARRAY(SELECT id FROM rooms)) AND a.status = ANY(%(active)s)
               AND a.id <> %(ignoring)s AND a.start < %(until)s AND a.blocked_until > %(since)s
            UNION ALL
            SELECT c.room_id, c.start, c."end" FROM {closure} c
             WHERE c.room_id = ANY(ARRAY(SELECT id FROM rooms)) AND c.start < %(until)s AND c."end" > %(since)s) a
     GROUP BY a.room_id
),
free AS (
    SELECT rooms.location_id,
           unnest(tstzmultirange(tstzrange(%(since)s, %(range_end)s, '[)'))
                  - COALESCE(taken.spans, '{{}}'::tstzmultirange)) AS gap
      FROM rooms LEFT JOIN taken ON taken.room_id = rooms.id
)
SELECT location_id, lower(starts), upper(starts)
  FROM (SELECT location_id, unnest(range_agg(tstzrange(lower(gap), upper(gap) - %(length)s, '[]'))) AS starts
          FROM free WHERE upper(gap) - lower(gap) >= %(length)s
         GROUP BY location_id) found
 ORDER BY location_id, lower(starts)
"""

_SESSIONS = """
SELECT a.therapist_id, a.room_id, a.start, a.blocked_until FROM {appointment} a
 WHERE a.status = ANY(%(active)s) AND (a.therapist_id = ANY(%(therapists)s) OR a.room_id = ANY(%(rooms)s))
   AND a.start < %(until)s AND a.blocked_until > %(since)s
"""


@cache
def _tables() -> dict[str, str]:
    quote = connections["default"].ops.quote_name
    return {
        "appointment": quote(Appointment._meta.db_table),
        "closure": quote(RoomClosure._meta.db_table),
        "hours": quote(WorkingHours._meta.db_table),
        "location": quote(Location._meta.db_table),
        "needs": quote(MassageType.needs_features.through._meta.db_table),
        "offers": quote(Therapist.massage_types.through._meta.db_table),
        "room": quote(Room._meta.db_table),
        "room_features": quote(Room.features.through._meta.db_table),
        "therapist": quote(Therapist._meta.db_table),
        "time_off": quote(TimeOff._meta.db_table),
    }


def _on_postgresql(model: type[Model]) -> str | None:
    """The alias the model's reads go to, when that database is PostgreSQL."""
    alias = router.db_for_read(model)
    return alias if connections[alias].vendor == "postgresql" else None


def _fetch(alias: str, sql: str, params: dict[str, Any], *, prepared: bool = False) -> list[tuple[Any, ...]]:
    """Run the statement on the alias; `prepared`: one the connection runs again and again (a booking's)."""
    connection = connections[alias]
    with connection.prepared_cursor() if prepared else connection.cursor() as cursor:  # type: ignore[attr-defined]  # clinic.postgresql's
        cursor.execute(sql.format(**_tables()), params)
        return cursor.fetchall()


def pk_of(value: Model | int) -> int:
    """The primary key of a model instance, or the key itself."""
    return value if isinstance(value, int) else value.pk


def suitable_rooms(massage_type: MassageType | int, location_id: Location | int | None) -> RoomQuerySet:
    """Return the active rooms at the location (at every location for None) with every feature the massage needs.

    The needs are a subquery, so asking costs no query of its own: a room qualifies when
    none of the type's needed features is missing from it.
    """
    has_it = Room.features.through.objects.filter(room_id=OuterRef(OuterRef("pk")), roomfeature_id=OuterRef("pk"))
    missing = RoomFeature.objects.filter(massage_types=pk_of(massage_type)).filter(~Exists(has_it))
    rooms = Room.objects.active().filter(~Exists(missing))
    return rooms if location_id is None else rooms.at(location_id)


def offering_hours(
    massage_type: MassageType | int, therapists: Iterable[Therapist | int] | None, location: Location | int | None
) -> QuerySet[WorkingHours]:
    """The working hours at active locations of the active therapists who offer the massage."""
    rows = WorkingHours.objects.filter(
        therapist__in=Therapist.objects.active().offering(massage_type), location__is_active=True
    )
    if therapists is not None:
        rows = rows.filter(therapist_id__in=[pk_of(t) for t in therapists])
    if location is not None:
        rows = rows.filter(location_id=pk_of(location))
    return rows.order_by()


def _hours_sql(therapist_ids: list[int] | None, location_id: int | None) -> str:
    sql = _HOURS
    if therapist_ids is not None:
        sql += "   AND h.therapist_id = ANY(%(therapists)s)\n"
    if location_id is not None:
        sql += "   AND h.location_id = %(location)s\n"
    return sql


def hours(massage_type_id: int, therapist_ids: list[int] | None, location_id: int | None) -> list[HoursRow]:
    """The spans of working hours at active locations of the active therapists who offer the massage."""
    if therapist_ids == []:
        return []
    alias = _on_postgresql(WorkingHours)
    if alias is None:
        return list(offering_hours(massage_type_id, therapist_ids, location_id).values_list(*HOURS_FIELDS))
    sql = _hours_sql(therapist_ids, location_id).replace("{off_columns}", "").replace("{off_join}", "")
    params = {"massage_type": massage_type_id, "therapists": therapist_ids, "location": location_id}
    return _fetch(alias, sql, params)  # type: ignore[return-value]


def hours_with_time_off(
    massage_type_id: int, therapist_ids: list[int] | None, location_id: int | None, since: datetime, until: datetime
) -> list[tuple[Any, ...]]:
    """`hours` at locations with a room that suits the massage, joined with the therapist's time off.

    A row is a span and one time off overlapping [since, until) (its start and end, None
    when there is none).
    """
    if therapist_ids == []:
        return []
    alias = _on_postgresql(WorkingHours)
    if alias is None:
        return list(
            offering_hours(massage_type_id, therapist_ids, location_id)
            .filter(Exists(suitable_rooms(massage_type_id, None).filter(location_id=OuterRef("location_id"))))
            .annotate(
                off=FilteredRelation(
                    "therapist__time_off",
                    condition=Q(therapist__time_off__start__lt=until, therapist__time_off__end__gt=since),
                )
            )
            .values_list(*HOURS_FIELDS, "off__start", "off__end")
        )
    sql = (
        _hours_sql(therapist_ids, location_id)
        .replace("{off_columns}", ', off.start, off."end"')
        .replace("{off_join}", _OFF_JOIN)
    )
    sql += _HAS_SUITABLE_ROOM + _SUITS + ")\n"
    params = {
        "massage_type": massage_type_id,
        "therapists": therapist_ids,
        "location": location_id,
        "since": since,
        "until": until,
    }
    return _fetch(alias, sql, params)


def time_off(therapist_ids: list[int], since: datetime, until: datetime) -> list[tuple[int, datetime, datetime]]:
    """(therapist id, start, end) of the therapists' time off overlapping [since, until)."""
    if not therapist_ids:
        return []
    alias = _on_postgresql(TimeOff)
    if alias is None:
        return list(
            TimeOff.objects.filter(therapist_id__in=therapist_ids)
            .overlapping(since, until)
            .order_by()
            .values_list("therapist_id", "start", "end")
        )
    return _fetch(alias, _TIME_OFF, {"therapists": therapist_ids, "since": since, "until": until})  # type: ignore[return-value]


def rooms_with_closures(
    massage_type_id: int, location_ids: list[int], since: datetime, until: datetime
) -> list[tuple[int, int, datetime | None, datetime | None]]:
    """(room id, location id, closure start, closure end) of the suitable rooms at the locations.

    One row per closure overlapping [since, until), or one with None for a room without any.
    """
    if not location_ids:
        return []
    alias = _on_postgresql(Room)
    if alias is None:
        return list(
            suitable_rooms(massage_type_id, None)
            .filter(location_id__in=location_ids)
            .annotate(
                closure=FilteredRelation("closures", condition=Q(closures__start__lt=until, closures__end__gt=since))
            )
            .order_by()
            .values_list("pk", "location_id", "closure__start", "closure__end")
        )
    params = {"massage_type": massage_type_id, "locations": location_ids, "since": since, "until": until}
    return _fetch(alias, _ROOMS + _SUITS, params)  # type: ignore[return-value]


def room_starts(
    massage_type_id: int,
    location_ids: list[int],
    since: datetime,
    range_end: datetime,
    *,
    buffer: timedelta,
    length: timedelta,
    ignoring: int | None,
) -> dict[int, list[tuple[datetime, datetime]]] | None:
    """Per location, the starts s in [since, range_end) at which some suitable room is free, or None.

    Free: the session [s, s + length) misses every session of the room (but `ignoring`) and
    every closure, each widened by the buffer before it. The starts are half-open intervals,
    sorted and disjoint; a location where no room is ever free is left out. One statement on
    PostgreSQL (multiranges); None elsewhere, where booking.availability works it out from
    the rooms' rows.
    """
    alias = _on_postgresql(Appointment)
    if alias is None:
        return None
    if not location_ids:
        return {}
    params = {
        "massage_type": massage_type_id,
        "locations": location_ids,
        "active": [status.value for status in ACTIVE_STATUSES],
        "ignoring": ignoring or 0,
        "since": since,
        "range_end": range_end,
        "until": range_end + buffer,
        "buffer": buffer,
        "length": length,
    }
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    # The statement's upper bounds are inclusive (the last start that fits); half-open here.
    for location_id, first, last in _fetch(alias, _ROOM_STARTS.replace("{suits}", _SUITS), params):
        found.setdefault(location_id, []).append((first, last + TICK))
    return found


def sessions(
    therapist_ids: list[int], room_ids: list[int], since: datetime, until: datetime, ignoring: int | None
) -> list[tuple[int, int | None, datetime, datetime]]:
    """(therapist id, room id, start, blocked until) of the active appointments of the therapists or in the rooms.

    Those whose blocked span meets [since, until), but for the one `ignoring` names.
    """
    if not therapist_ids and not room_ids:
        return []
    alias = _on_postgresql(Appointment)
    if alias is None:
        appointments = Appointment.objects.active().filter(
            Q(therapist_id__in=therapist_ids) | Q(room_id__in=room_ids), start__lt=until, blocked_until__gt=since
        )
        if ignoring is not None:
            appointments = appointments.exclude(pk=ignoring)
        return list(appointments.order_by().values_list("therapist_id", "room_id", "start", "blocked_until"))
    sql = _SESSIONS if ignoring is None else _SESSIONS + "   AND a.id <> %(ignoring)s\n"
    params = {
        "active": [status.value for status in ACTIVE_STATUSES],
        "therapists": therapist_ids,
        "rooms": room_ids,
        "since": since,
        "until": until,
        "ignoring": ignoring,
    }
    return _fetch(alias, sql, params)  # type: ignore[return-value]


def hours_in_the_way(
    massage_type_id: int,
    therapist_id: int,
    start: datetime,
    end: datetime,
    blocked_until: datetime,
    ignoring: int | None,
) -> list[tuple[Any, ...]]:
    """The therapist's `hours` rows, each with whether time off meets [start, end) and a session [start, blocked_until).

    Primary and replica alike: a booking asks it inside its transaction, which reads the primary.
    """
    alias = _on_postgresql(WorkingHours)
    if alias is None:
        clashes = Appointment.objects.active().filter(
            therapist_id=OuterRef("therapist_id"), start__lt=blocked_until, blocked_until__gt=start
        )
        if ignoring is not None:
            clashes = clashes.exclude(pk=ignoring)
        off = TimeOff.objects.filter(therapist_id=OuterRef("therapist_id")).overlapping(start, end)
        return list(
            offering_hours(massage_type_id, [therapist_id], None)
            .annotate(off=Exists(off), clash=Exists(clashes))
            .values_list(*HOURS_FIELDS, "off", "clash")
        )
    sql = _hours_sql([therapist_id], None).replace("{off_columns}", _IN_THE_WAY).replace("{off_join}", "")
    params = {
        "massage_type": massage_type_id,
        "therapists": [therapist_id],
        "start": start,
        "end": end,
        "until": blocked_until,
        "active": [status.value for status in ACTIVE_STATUSES],
        "ignoring": ignoring or 0,
    }
    return _fetch(alias, sql, params)


def standing_and_hours_in_the_way(
    patient_id: int,
    massage_type_id: int,
    therapist_id: int,
    start: datetime,
    end: datetime,
    blocked_until: datetime,
    now: datetime,
    ignoring: int | None,
) -> tuple[tuple[int, int, int], list[tuple[Any, ...]]]:
    """`patient_counts` and `hours_in_the_way` at once: what a booking reads under its locks, one statement.

    The patient's counts on every row, with none of the hours when the therapist has none for the massage.
    """
    alias = _on_postgresql(Appointment)
    if alias is None or alias != _on_postgresql(WorkingHours):
        return (
            patient_counts(patient_id, start, end, now, ignoring),
            hours_in_the_way(massage_type_id, therapist_id, start, end, blocked_until, ignoring),
        )
    hours_sql = _hours_sql([therapist_id], None).replace("{off_columns}", _IN_THE_WAY).replace("{off_join}", "")
    sql = f"SELECT s.singles, s.courses, s.clashes, h.* FROM ({_STANDING}) s LEFT JOIN LATERAL ({hours_sql}) h ON true"  # noqa: S608
    params = {
        "patient": patient_id,
        "confirmed": Status.CONFIRMED.value,
        "massage_type": massage_type_id,
        "therapists": [therapist_id],
        "active": [status.value for status in ACTIVE_STATUSES],
        "now": now,
        "start": start,
        "end": end,
        "until": blocked_until,
        "ignoring": ignoring or 0,
    }
    rows = _fetch(alias, sql, params, prepared=True)
    singles, courses, clashes = rows[0][:3]
    return (int(singles), int(courses), int(clashes)), [row[3:] for row in rows if row[3] is not None]


def patient_counts(
    patient_id: int, start: datetime, end: datetime, now: datetime, ignoring: int | None
) -> tuple[int, int, int]:
    """(single upcoming bookings, courses with an upcoming booking, active sessions meeting [start, end)).

    The session itself, not its buffer: the buffer turns the room over, the patient has left.
    """
    alias = _on_postgresql(Appointment)
    if alias is None:
        upcoming = Q(status=Status.CONFIRMED, start__gte=now)
        meets = Q(status__in=ACTIVE_STATUSES, start__lt=end, end__gt=start)
        if ignoring is not None:
            meets &= ~Q(pk=ignoring)
        counts = Appointment.objects.filter(patient_id=patient_id).aggregate(
            singles=Count("pk", filter=upcoming & Q(series__isnull=True)),
            courses=Count("series", distinct=True, filter=upcoming),
            clashes=Count("pk", filter=meets),
        )
        return int(counts["singles"]), int(counts["courses"]), int(counts["clashes"])
    params = {
        "patient": patient_id,
        "confirmed": Status.CONFIRMED.value,
        "active": [status.value for status in ACTIVE_STATUSES],
        "now": now,
        "start": start,
        "end": end,
        "ignoring": ignoring or 0,
    }
    singles, courses, clashes = _fetch(alias, _STANDING, params)[0]
    return int(singles), int(courses), int(clashes)
