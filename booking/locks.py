"""Every row lock the writers take, in one order, so two writers can never deadlock.

The order: therapists (by id), then locations (by id), then the patient, then the
appointment row alone. A writer takes what it needs in that order and never goes back:
two writers that need the same rows wait for each other instead of each holding what the
other wants. The appointment is
locked with `of=("self",)`: without it, `select_related` would lock the joined therapist
and massage type too, out of order (the deadlock of two crossing reschedules, and every
cancel of one type queueing on that type's row).

A lock on existing appointments would not stop a concurrent insert into an empty slot; the
therapist's row is what serialises bookings of one therapist, and the location's row what
serialises the choice of a room there (the exclusion constraints still have the last
word). On SQLite, which has no row locks, the IMMEDIATE transaction of every write
serialises the writers instead, and these calls lock nothing.
"""

from __future__ import annotations

from datetime import datetime

from booking.models import Appointment
from clinic.models import User
from locations.models import Location
from therapists.models import Therapist


def lock_therapists(*therapist_ids: int | None) -> list[int]:
    """Lock the therapists' rows, lowest id first; return the ids locked."""
    ids = sorted({pk for pk in therapist_ids if pk is not None})
    # One statement, ordered: PostgreSQL locks the rows in the order it returns them.
    return list(Therapist.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def lock_locations(*location_ids: int | None) -> list[int]:
    """Lock the locations' rows (after any therapist), lowest id first; return the ids locked."""
    ids = sorted({pk for pk in location_ids if pk is not None})
    return list(Location.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def lock_patient(patient_id: int) -> datetime | None:
    """Lock the patient's row (after any therapist); return when their address was confirmed, read under the lock."""
    return User.objects.select_for_update().filter(pk=patient_id).values_list("email_confirmed_at", flat=True).first()


def lock_appointment(appointment_id: int) -> Appointment:
    """Lock the appointment's row alone (last), and return it with its massage type and therapist."""
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("massage_type", "therapist", "room__location")
        .get(pk=appointment_id)
    )


# Each lock waits for the one before it: a sub-select used as a one-time filter runs before
# its table is scanned, so the therapists are locked before any location, the locations
# before the patient, whatever order the planner reads the tables in.
_LOCK_FOR_BOOKING = """
WITH held_therapists AS MATERIALIZED (
    SELECT id FROM {therapist} WHERE id = ANY(%(therapists)s) ORDER BY id FOR UPDATE
), held_locations AS MATERIALIZED (
    SELECT id FROM {location}
     WHERE (SELECT count(*) FROM held_therapists) >= 0
       AND id IN (SELECT location_id FROM {hours} WHERE therapist_id = ANY(%(therapists)s))
     ORDER BY id FOR UPDATE
), held_patient AS MATERIALIZED (
    SELECT email_confirmed_at FROM {user}
     WHERE (SELECT count(*) FROM held_locations) >= 0 AND id = %(patient)s
       FOR UPDATE
)
SELECT (SELECT array_agg(id ORDER BY id) FROM held_therapists),
       (SELECT email_confirmed_at FROM held_patient)
"""


def lock_for_booking(*therapist_ids: int | None, patient_id: int) -> tuple[list[int], datetime | None]:
    """Lock the therapists, the locations they work at and the patient in one statement, in this module's order.

    Return the therapist ids locked and when the patient's address was confirmed (read under the lock).
    """
    from django.db import connection

    from therapists.models import WorkingHours

    ids = sorted({pk for pk in therapist_ids if pk is not None})
    if not connection.features.has_select_for_update:
        # SQLite: the IMMEDIATE transaction already serialises the writers.
        return lock_therapists(*ids), lock_patient(patient_id)
    sql = _LOCK_FOR_BOOKING.format(
        therapist=connection.ops.quote_name(Therapist._meta.db_table),
        location=connection.ops.quote_name(Location._meta.db_table),
        hours=connection.ops.quote_name(WorkingHours._meta.db_table),
        user=connection.ops.quote_name(User._meta.db_table),
    )
    with connection.prepared_cursor() as cursor:  # type: ignore[attr-defined]  # clinic.postgresql's
        cursor.execute(sql, {"therapists": ids, "patient": patient_id})
        held, confirmed_at = cursor.fetchone()
    return list(held or []), confirmed_at
