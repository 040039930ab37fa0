"""The write side of the waitlist: join, leave, offer freed time in order, accept, decline, expire.

Every function is one transaction. Rows are locked in booking.locks' order, then the
entry, then the offer: accepting (booking's locks, the held appointment, the entry, the
offer) and expiring (the held appointment, the entry, the offer) meet in the same order,
and the held appointment's conditional update decides which of them wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import holds, locks, outbox
from booking.availability import Slot
from booking.exceptions import BookingError, InvalidBooking, NotAllowed, PolicyRefused
from booking.intake import IntakeData
from booking.models import Appointment, MassageType, NotificationKind
from clinic.models import User
from locations.models import Location
from therapists.models import Therapist
from waitlist import matching
from waitlist.models import (
    EVERY_WEEKDAY,
    EntryState,
    FreedTime,
    Offer,
    OfferState,
    WaitlistEntry,
)


class OfferGone(holds.HoldGone):
    """The offer was answered, withdrawn or ran out."""


def _event(
    kind: Kind,
    entry: WaitlistEntry,
    *,
    by: User | None,
    summary: str,
    now: datetime,
    appointment_id: int | None = None,
    therapist_id: int | None = None,
    **data: object,
) -> None:
    """Record who did what to the entry, in this transaction."""
    history.record(
        kind,
        summary=summary,
        by=by,
        patient_id=entry.patient_id,
        appointment_id=appointment_id,
        therapist_id=therapist_id,
        data=data,
        at=now,
    )


@transaction.atomic
def join(
    *,
    patient: User,
    massage_type: MassageType,
    date_from: date,
    date_to: date,
    location: Location | None = None,
    therapists: Iterable[Therapist] = (),
    weekdays: Iterable[int] = EVERY_WEEKDAY,
    time_from: time = time(0),
    time_to: time = time(23, 59),
    now: datetime | None = None,
) -> WaitlistEntry:
    """Put the patient on the waitlist for the massage (their bound of entries allowing), or raise a BookingError."""
    now = now or timezone.now()
    therapists = list(therapists)
    weekdays = sorted(set(weekdays))
    today = timezone.localdate(now)
    last = today + settings.BOOKING_HORIZON
    errors: dict[str, str] = {}
    if not massage_type.is_active:
        errors["massage_type"] = "This massage is not offered at the moment."
    if location is not None and not location.is_active:
        errors["location"] = "This location is not taking bookings."
    if date_from < today:
        errors["date_from"] = "The first date cannot be in the past."
    if date_to < date_from:
        errors["date_to"] = "The last date must be on or after the first."
    elif date_to > last:
        errors["date_to"] = f"Bookings open {settings.BOOKING_HORIZON.days} days ahead: choose {last} or earlier."
    if not weekdays or any(day not in EVERY_WEEKDAY for day in weekdays):
        errors["weekdays"] = "Choose at least one day of the week (0 Monday to 6 Sunday)."
    if time_to < time_from:
        errors["time_to"] = "The latest start must be after the earliest."
    for therapist in therapists:
        if not therapist.is_active or not therapist.massage_types.filter(pk=massage_type.pk).exists():
            errors["therapists"] = f"{therapist} does not offer {massage_type}."
    if errors:
        raise InvalidBooking("Please check the waitlist details.", fields=errors)
    # The bound is counted under the patient's lock: two joins at once cannot both pass it.
    locks.lock_patient(patient.pk)
    held = WaitlistEntry.objects.open().filter(patient=patient).count()
    if held >= settings.WAITLIST_MAX_ENTRIES:
        raise PolicyRefused(
            f"You are already waiting for {held} times, the most we keep for one person. "
            "Leave one on My appointments to join again.",
            code="too_many_waitlist_entries",
        )
    entry = WaitlistEntry.objects.create(
        patient=patient,
        massage_type=massage_type,
        location=location,
        date_from=date_from,
        date_to=date_to,
        weekdays=weekdays,
        time_from=time_from,
        time_to=time_to,
        joined_at=now,
    )
    entry.therapists.set(therapists)
    _event(
        Kind.WAITLIST_JOINED,
        entry,
        by=patient,
        summary=f"Joined the waitlist for {massage_type}, {date_from} to {date_to}",
        now=now,
        entry_id=entry.pk,
    )
    return entry


@transaction.atomic
def leave(*, entry: WaitlistEntry, by: User, now: datetime | None = None) -> WaitlistEntry:
    """End the entry (its patient or staff); an offer out for it is withdrawn and its slot freed."""
    now = now or timezone.now()
    if entry.patient_id != by.pk and not by.is_staff:
        raise NotAllowed("This is not your waitlist entry.")
    open_offer = Offer.objects.filter(entry=entry, state=OfferState.OPEN).first()
    if open_offer is not None:
        holds.release_hold(appointment=open_offer.appointment, now=now)
    ended = WaitlistEntry.objects.filter(pk=entry.pk, state__in=(EntryState.ACTIVE, EntryState.OFFERED)).update(
        state=EntryState.ENDED, ended_at=now
    )
    if open_offer is not None:
        _settle(open_offer, OfferState.WITHDRAWN, now=now)
    entry.refresh_from_db()
    if ended:
        _event(Kind.WAITLIST_ENDED, entry, by=by, summary="Left the waitlist", now=now, entry_id=entry.pk)
    return entry


@transaction.atomic
def offer(
    *, entry: WaitlistEntry, therapist: Therapist, start: datetime, by: User | None = None, now: datetime | None = None
) -> Offer:
    """Hold the slot for the waiting entry's patient and e-mail them the offer, or raise a BookingError.

    The waitlist's own offers have no `by`; staff offering by hand name themselves.
    """
    now = now or timezone.now()
    if by is not None and not by.is_staff:
        raise NotAllowed("Only the clinic's staff can offer a slot by hand.")
    expires_at = matching.hold_until(start, now=now)
    if expires_at - now < matching.MIN_HOLD:
        raise PolicyRefused("That slot is too soon to offer: the patient could not answer in time.", code="too_soon")
    appointment = holds.hold(
        patient=entry.patient,
        therapist=therapist,
        massage_type=entry.massage_type,
        start=start,
        expires_at=expires_at,
        now=now,
    )
    if not WaitlistEntry.objects.filter(pk=entry.pk, state=EntryState.ACTIVE).update(state=EntryState.OFFERED):
        raise OfferGone("This waitlist entry is not waiting any more (it has an offer out, or it ended).")
    made = Offer.objects.create(
        entry=entry, appointment=appointment, offered_at=now, expires_at=expires_at, offered_by=by
    )
    outbox.record_patient_notice(appointment, NotificationKind.WAITLIST_OFFER, subject_id=made.pk, now=now)
    _event(
        Kind.WAITLIST_OFFERED,
        entry,
        by=by,
        summary=f"Offered {entry.massage_type} with {therapist}, {history.when(start)}, held until "
        f"{history.when(expires_at)}" + (" (by the clinic)" if by is not None else ""),
        now=now,
        entry_id=entry.pk,
        offer_id=made.pk,
        appointment_id=appointment.pk,
        therapist_id=therapist.pk,
    )
    return made


@transaction.atomic
def accept(*, offer: Offer, by: User, intake: IntakeData | None = None, now: datetime | None = None) -> Appointment:
    """Book the offered slot for its patient with the intake (through booking's confirm_hold), or raise."""
    now = now or timezone.now()
    if offer.entry.patient_id != by.pk:
        raise NotAllowed("This offer is not yours.")
    if offer.state != OfferState.OPEN:
        raise OfferGone("Sorry, this offer has ended.")
    booked = holds.confirm_hold(appointment=offer.appointment, by=by, intake=intake, now=now)
    WaitlistEntry.objects.filter(pk=offer.entry_id, state=EntryState.OFFERED).update(
        state=EntryState.BOOKED, ended_at=now
    )
    if not _settle(offer, OfferState.ACCEPTED, now=now):
        raise OfferGone("Sorry, this offer has ended.")
    return booked


@transaction.atomic
def decline(*, offer: Offer, by: User, now: datetime | None = None) -> Offer:
    """Say no to the offer (its patient, or staff): the slot goes to the next in line, the entry keeps waiting."""
    now = now or timezone.now()
    if offer.entry.patient_id != by.pk and not by.is_staff:
        raise NotAllowed("This offer is not yours.")
    if not holds.release_hold(appointment=offer.appointment, now=now):
        raise OfferGone("Sorry, this offer has ended already.")
    _back_in_line(offer, OfferState.DECLINED, by=by, now=now)
    offer.refresh_from_db()
    return offer


def expire_due(*, now: datetime, limit: int = 200) -> list[int]:
    """End the offers whose hold ran out, each in its own transaction; return the ones this call ended.

    Safe with two sweeps at once: the held appointment's conditional update is the claim,
    so an offer ends once, and never after its patient accepted it.
    """
    due = list(
        Offer.objects.filter(state=OfferState.OPEN, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    ended = []
    for offer_id in due:
        with transaction.atomic():
            found = Offer.objects.select_related("appointment", "entry").get(pk=offer_id)
            if holds.release_hold(appointment=found.appointment, now=now, expired_only=True):
                _back_in_line(found, OfferState.EXPIRED, by=None, now=now)
                ended.append(offer_id)
    return ended


def _back_in_line(offer: Offer, state: str, *, by: User | None, now: datetime) -> None:
    """After the hold was released: the entry waits again, the offer is settled and the event written."""
    WaitlistEntry.objects.filter(pk=offer.entry_id, state=EntryState.OFFERED).update(state=EntryState.ACTIVE)
    _settle(offer, state, now=now)
    word = "declined" if state == OfferState.DECLINED else "ran out"
    _event(
        Kind.WAITLIST_ENDED,
        offer.entry,
        by=by,
        summary=f"The offer of {history.when(offer.appointment.start)} {word}",
        now=now,
        entry_id=offer.entry_id,
        offer_id=offer.pk,
        state=state,
        appointment_id=offer.appointment_id,
    )


def _settle(offer: Offer, state: str, *, now: datetime) -> bool:
    return bool(Offer.objects.filter(pk=offer.pk, state=OfferState.OPEN).update(state=state, decided_at=now))


@transaction.atomic
def end_past_entries(*, now: datetime) -> int:
    """End the waiting entries whose last date has passed; return how many."""
    return WaitlistEntry.objects.filter(state=EntryState.ACTIVE, date_to__lt=timezone.localdate(now)).update(
        state=EntryState.ENDED, ended_at=now
    )


def record_freed(
    *, therapist_ids: list[int], location_id: int | None, start: datetime, end: datetime, now: datetime
) -> FreedTime:
    """Note, in the freeing service's transaction, that this time must be offered to whoever waits for it."""
    return FreedTime.objects.create(
        therapist_ids=sorted(set(therapist_ids)), location_id=location_id, start=start, end=end, created_at=now
    )


def consider_next(*, now: datetime) -> list[int] | None:
    """Claim one freed span not yet considered and offer its free slots in joining order; None when none is left.

    Returns the offers made. The claim is FOR UPDATE SKIP LOCKED, so two workers or beats
    each take a different row.
    """
    with transaction.atomic():
        freed = (
            FreedTime.objects.select_for_update(skip_locked=True)
            .filter(considered_at__isnull=True)
            .order_by("created_at", "pk")
            .first()
        )
        if freed is None:
            return None
        made = consider(freed, now=now)
        FreedTime.objects.filter(pk=freed.pk).update(considered_at=now)
        return made


def consider(freed: FreedTime, *, now: datetime) -> list[int]:
    """Offer each free slot of the freed span to the first waiting entry it fits, in joining order."""
    zone_of = matching.zones()
    cache = matching.SlotCache(freed, now=now, zone_of=zone_of)
    possible = matching.offered_types(freed.therapist_ids)
    made: list[int] = []
    for entry in matching.waiting_for(freed):
        if cache.exhausted(possible):
            break  # nothing of the freed time is left for anyone further down the line
        slots = matching.fitting(
            entry, cache.slots(entry.massage_type), zone_of=zone_of, therapist_ids=freed.therapist_ids, now=now
        )
        for slot in slots:
            created = _try_offer(entry, slot, now=now)
            if created is not None:
                made.append(created.pk)
                cache.prune(created.appointment)  # the hold is taken for everyone after this entry
                break
    return made


def _try_offer(entry: WaitlistEntry, slot: Slot, *, now: datetime) -> Offer | None:
    try:
        return offer(entry=entry, therapist=Therapist.objects.get(pk=slot.therapist_id), start=slot.start, now=now)
    except BookingError:
        # Taken meanwhile, the patient is busy then or at their limit: the next slot, or the next in line.
        return None
