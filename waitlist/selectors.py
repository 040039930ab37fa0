"""What the pages show of the waitlist: a patient's entries with their open offers, and who waits for a day."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q

from clinic.models import User
from waitlist import links
from waitlist.models import Offer, OfferState, WaitlistEntry


def entries_of(patient: User | AnonymousUser) -> list[WaitlistEntry]:
    """Return the patient's open entries, oldest first, each with `open_offers` (each with its one-click `url`)."""
    entries = list(
        WaitlistEntry.objects.open()
        .filter(patient_id=patient.pk)
        .select_related("massage_type", "location")
        .prefetch_related(
            "therapists",
            Prefetch(
                "offers",
                queryset=Offer.objects.filter(state=OfferState.OPEN).select_related(
                    "appointment__room__location", "entry"
                ),
                to_attr="open_offers",
            ),
        )
    )
    for entry in entries:
        for offer in entry.open_offers:  # type: ignore[attr-defined]
            offer.url = links.offer_url(offer)
    return entries


def waiting_by_day(day_from: date, day_to: date, *, location_id: int | None = None) -> dict[date, Counter[str]]:
    """Return, per date of the range, how many open entries cover it, by part of the day."""
    entries = WaitlistEntry.objects.open().filter(date_from__lte=day_to, date_to__gte=day_from)
    if location_id is not None:
        entries = entries.filter(Q(location_id=location_id) | Q(location__isnull=True))
    counts: dict[date, Counter[str]] = {}
    rows = entries.values_list("date_from", "date_to", "weekdays", "time_from", "time_to")
    for first, last, weekdays, time_from, time_to in rows:
        day = max(first, day_from)
        while day <= min(last, day_to):
            if day.weekday() in weekdays:
                parts = counts.setdefault(day, Counter())
                for part, (start_hour, end_hour) in PARTS.items():
                    if time_from.hour < end_hour and time_to.hour >= start_hour:
                        parts[part] += 1
            day = date.fromordinal(day.toordinal() + 1)
    return counts


PARTS = {"morning": (0, 12), "afternoon": (12, 17), "evening": (17, 24)}


def waiting_rows(days: list[date], *, location_id: int | None = None) -> list[dict[str, Any]]:
    """Return, for each day, how many open entries wait for its morning, afternoon and evening (one query)."""
    counts = waiting_by_day(days[0], days[-1], location_id=location_id) if days else {}
    rows = []
    for day in days:
        parts = counts.get(day, Counter())
        rows.append({"day": day, "total": sum(parts.values()), **{part: parts[part] for part in PARTS}})
    return rows
