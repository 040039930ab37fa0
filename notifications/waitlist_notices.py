"""How the waitlist's offer e-mail reads: the freed slot, how long it is held, and the one-click link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking.models import Notification, NotificationKind, Status
from clinic import dates
from notifications.notice_kinds import PatientNotice, register
from waitlist import links
from waitlist.models import Offer, OfferState


def _offer(notification: Notification) -> Offer:
    assert notification.subject_id is not None
    return Offer.objects.select_related("entry", "appointment__room__location").get(pk=notification.subject_id)


def offer_context(notification: Notification, now: datetime) -> dict[str, Any]:
    """Return what the offer shows: until when it is held, and the link to accept or decline it."""
    offer = _offer(notification)
    zone = offer.appointment.zone
    return {
        "offer": offer,
        "held_until": f"{dates.moment(offer.expires_at, zone)} ({dates.zone_abbreviation(offer.expires_at, zone)})",
        "offer_url": links.offer_url(offer),
    }


def offer_obsolete(notification: Notification, now: datetime) -> str:
    """An offer answered, withdrawn or run out needs no e-mail: the slot is not kept any more."""
    offer = _offer(notification)
    if offer.state != OfferState.OPEN or offer.appointment.status != Status.HELD or offer.expires_at <= now:
        return "The offer ended before it was sent."
    return ""


register(
    NotificationKind.WAITLIST_OFFER,
    PatientNotice(
        template="waitlist_offer",
        subject=lambda c: f"A time opened up: {c['massage_type']} on {c['when_short']}, held for you",
        context=offer_context,
        obsolete=offer_obsolete,
    ),
)
