"""The waitlist's answer to the booking services: freed time is noted in their transaction (booking.signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from booking import signals


def _time_freed(
    *, therapist_ids: list[int], location_id: int | None, start: datetime, end: datetime, now: datetime, **_: Any
) -> None:
    from waitlist import services, tasks

    services.record_freed(therapist_ids=therapist_ids, location_id=location_id, start=start, end=end, now=now)
    transaction.on_commit(tasks.hand_off_consider)


def connect() -> None:
    """Connect the waitlist to the booking services' signals (once, from the app's ready())."""
    signals.time_freed.connect(_time_freed, dispatch_uid="waitlist.time_freed")
