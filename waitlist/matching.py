"""The read side of the waitlist: who waits for freed time, in order, and which free slots fit each entry.

Free slots come from `booking.availability.find_slots`, never from a rule of our own: a
slot is offered only if the engine would show it to anyone (notice, horizon, rooms, holds).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q

from booking.availability import Slot, find_slots
from booking.models import Appointment, MassageType
from locations.models import Location
from therapists.models import Therapist
from waitlist.models import EntryState, FreedTime, Offer, WaitlistEntry

# A hold shorter than this is no offer: nobody reads an e-mail and answers it in less.
MIN_HOLD = timedelta(minutes=5)
_DAY = timedelta(days=1)


def hold_until(start: datetime, *, now: datetime) -> datetime:
    """Return when an offer of a slot starting at `start` stops holding it: the set time, or sooner by the notice."""
    # In UTC: the timedelta is real time, right across a DST change.
    return min(now + timedelta(minutes=settings.WAITLIST_HOLD_MINUTES), start - settings.BOOKING_MIN_NOTICE)


def zones() -> dict[int, ZoneInfo]:
    """Return every location's zone by id (one query)."""
    return {pk: ZoneInfo(name) for pk, name in Location.objects.values_list("pk", "time_zone")}


def waiting_for(freed: FreedTime) -> Iterator[WaitlistEntry]:
    """Return the waiting entries the freed time may suit, in the order they joined (three queries a hundred).

    Broad on purpose: the massage is offered by one of the therapists, the dates meet the
    freed span (a day either side for the zones), the location and the therapists chosen
    fit. Whether a free slot fits each entry's window is `slots_for`'s question.
    """
    therapist_ids = list(freed.therapist_ids)
    offered = Therapist.massage_types.through.objects.filter(
        massagetype_id=OuterRef("massage_type_id"), therapist_id__in=therapist_ids
    )
    chosen = WaitlistEntry.therapists.through.objects.filter(waitlistentry_id=OuterRef("pk"))
    entries = WaitlistEntry.objects.filter(
        Exists(offered),
        ~Exists(chosen) | Exists(chosen.filter(therapist_id__in=therapist_ids)),
        state=EntryState.ACTIVE,
        date_from__lte=(freed.end + _DAY).date(),
        date_to__gte=(freed.start - _DAY).date(),
    )
    if freed.location_id is not None:
        entries = entries.filter(Q(location__isnull=True) | Q(location_id=freed.location_id))
    # In chunks: the line is often long, and the freed time gone after its first few entries.
    return (
        entries.select_related("massage_type", "patient")
        .prefetch_related(
            "therapists",
            Prefetch("offers", queryset=Offer.objects.select_related("appointment").order_by(), to_attr="past_offers"),
        )
        .order_by("joined_at", "pk")
        .iterator(chunk_size=100)
    )


def refused(entry: WaitlistEntry, slot: Slot) -> bool:
    """Return whether the entry was offered this time with this therapist before (and said no, or let it run out)."""
    for offer in getattr(entry, "past_offers", None) or entry.offers.select_related("appointment"):
        held = offer.appointment
        if held.therapist_id == slot.therapist_id and held.start < slot.end and slot.start < held.end:
            return True
    return False


def fitting(
    entry: WaitlistEntry,
    slots: Iterable[Slot],
    *,
    zone_of: dict[int, ZoneInfo],
    therapist_ids: Iterable[int] | None,
    now: datetime,
) -> list[Slot]:
    """Return the slots that fit the entry (location, therapists, dates, window, a hold worth offering), in order."""
    allowed = {therapist.pk for therapist in entry.therapists.all()} or None
    if therapist_ids is not None:
        allowed = set(therapist_ids) if allowed is None else allowed & set(therapist_ids)
    found = []
    for slot in slots:
        if allowed is not None and slot.therapist_id not in allowed:
            continue
        if entry.location_id is not None and slot.location_id != entry.location_id:
            continue
        if not entry.fits(slot.start.astimezone(zone_of[slot.location_id])):
            continue
        if hold_until(slot.start, now=now) - now < MIN_HOLD or refused(entry, slot):
            continue
        found.append(slot)
    return found


class SlotCache:
    """find_slots' answers for one freed span, by massage type, pruned as slots are held.

    Pruning drops the held therapist's slots that meet the hold; a slot kept that another
    hold made untakeable (a room) is refused by `holds.hold` itself, so the cache may hold
    too much, never too little: nobody in line misses a slot that is really free.
    """

    def __init__(self, freed: FreedTime, *, now: datetime, zone_of: dict[int, ZoneInfo]) -> None:
        self.freed = freed
        self.now = now
        self.zone_of = zone_of
        self._slots: dict[int, list[Slot]] = {}
        self._buffers: dict[int, timedelta] = {}

    def slots(self, massage_type: MassageType) -> list[Slot]:
        """Return the free slots of the massage with the freed therapists that meet the freed span."""
        if massage_type.pk not in self._slots:
            freed = self.freed
            first, last = _dates_around(freed.start, freed.end)
            free = find_slots(
                massage_type, first, last, list(freed.therapist_ids), location=freed.location_id, now=self.now
            )
            self._buffers[massage_type.pk] = massage_type.buffer
            self._slots[massage_type.pk] = [
                slot for slot in free if slot.start < freed.end and freed.start < slot.end + massage_type.buffer
            ]
        return self._slots[massage_type.pk]

    def prune(self, held: Appointment) -> None:
        """Drop the slots the new hold takes: its therapist's, meeting its blocked span."""
        for type_id, slots in self._slots.items():
            buffer = self._buffers[type_id]
            self._slots[type_id] = [
                slot
                for slot in slots
                if not (
                    slot.therapist_id == held.therapist_id
                    and slot.start < held.blocked_until
                    and held.start < slot.end + buffer
                )
            ]

    def exhausted(self, massage_type_ids: Iterable[int]) -> bool:
        """Return whether every one of these massages was asked and has no slot left."""
        return all(not self._slots.get(type_id, [None]) for type_id in massage_type_ids)


def offered_types(therapist_ids: Iterable[int]) -> set[int]:
    """Return the massages at least one of the therapists offers (one query)."""
    through = Therapist.massage_types.through.objects
    return set(through.filter(therapist_id__in=list(therapist_ids)).values_list("massagetype_id", flat=True))


def slots_for(entry: WaitlistEntry, *, now: datetime, limit: int = 20) -> list[Slot]:
    """Return the free slots that fit the entry over its whole range (for staff offering by hand)."""
    first = max(entry.date_from, (now - _DAY).date())
    therapists = [therapist.pk for therapist in entry.therapists.all()] or None
    free = find_slots(entry.massage_type, first, entry.date_to, therapists, location=entry.location_id, now=now)
    return fitting(entry, free, zone_of=zones(), therapist_ids=None, now=now)[:limit]


def _dates_around(start: datetime, end: datetime) -> tuple[date, date]:
    # A day either side: a location's date may differ from UTC's near midnight.
    return (start - _DAY).date(), (end + _DAY).date()
