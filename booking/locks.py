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
