"""The demo's waitlist: patients waiting for the coming two weeks, so cancelling a demo session makes an offer.

The demo patient joined first for every massage the upcoming sessions are of (any therapist,
any location, all day), then the other demo patients: cancel any upcoming session and its
time is offered to the first of them who is free then, held and e-mailed. Through
waitlist.services.join, as the patients join; a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from booking.exceptions import BookingError
from booking.models import Appointment, MassageType, Status
from clinic.models import User
from waitlist import services
from waitlist.models import WaitlistEntry

DAYS = 14


@dataclass(frozen=True)
class DemoWaitlist:
    joined: int
    waiting: int


def seed_waitlist(*, patients: list[User]) -> DemoWaitlist:
    """Put the patients on the waitlist (in this order) for the massages of the coming sessions."""
    now = timezone.now()
    today = timezone.localdate(now)
    last = min(today + timedelta(days=DAYS), today + settings.BOOKING_HORIZON)
    upcoming = (
        Appointment.objects.filter(status=Status.CONFIRMED, start__gte=now, start__date__lte=last)
        .values_list("massage_type", flat=True)
        .distinct()
    )
    types = list(MassageType.objects.filter(pk__in=set(upcoming)).order_by("pk")[: settings.WAITLIST_MAX_ENTRIES])
    joined = 0
    for offset, patient in enumerate(patients):
        for massage_type in types:
            if WaitlistEntry.objects.open().filter(patient=patient, massage_type=massage_type).exists():
                continue
            try:
                services.join(
                    patient=patient,
                    massage_type=massage_type,
                    date_from=today,
                    date_to=last,
                    # Joined in order, a minute apart: the demo patient is first in line.
                    now=now - timedelta(minutes=len(patients) - offset),
                )
            except BookingError:
                continue  # their bound of entries is reached: the others keep theirs
            joined += 1
    return DemoWaitlist(joined=joined, waiting=WaitlistEntry.objects.open().count())
