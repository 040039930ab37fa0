"""Write an event: the one way every service records who did what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import Event, Kind
from clinic import dates
from clinic.models import User


def record(
    kind: Kind,
    *,
    summary: str,
    by: User | None,
    appointment_id: int | None = None,
    patient_id: int | None = None,
    therapist_id: int | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Append an event in the caller's transaction (it is written or rolled back with the change)."""
    return write(
        event(
            kind,
            summary=summary,
            by=by,
            appointment_id=appointment_id,
            patient_id=patient_id,
            therapist_id=therapist_id,
            data=data,
            at=at,
        )
    )


def write(unsaved: Event) -> Event:
    """Append an event built by `event` in the caller's transaction."""
    assert transaction.get_connection().in_atomic_block, "events are written inside the service's transaction"
    unsaved.save(force_insert=True)
    return unsaved


def event(
    kind: Kind,
    *,
    summary: str,
    by: User | None,
    appointment_id: int | None = None,
    patient_id: int | None = None,
    therapist_id: int | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Return the event unsaved, for a service that writes it with its change in one statement (`record` saves it)."""
    actor = by if by is not None and by.is_authenticated else None
    return Event(
        at=at or timezone.now(),
        actor=actor,
        kind=kind,
        appointment_id=appointment_id,
        patient_id=patient_id,
        therapist_id=therapist_id,
        summary=summary[:300],
        data=data or {},
    )


def when(moment: datetime) -> str:
    """Return a moment as events word it: clinic time with its zone's abbreviation."""
    return f"{dates.moment(moment)} {dates.zone_abbreviation(moment)}"
