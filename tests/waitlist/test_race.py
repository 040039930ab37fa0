"""A held slot accepted while its hold runs out and the next offer goes out: exactly one booking.

Each thread has its own database connection; a barrier releases them together.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from booking import services as booking
from booking.holds import HoldGone
from booking.models import Appointment, Status
from tests.booking.test_race import run_together
from tests.factories import UserFactory
from tests.waitlist.conftest import at, consider_all, fill_day
from waitlist import services
from waitlist.models import Offer, OfferState

DAYS = [date(2026, 3, 4), date(2026, 3, 5), date(2026, 3, 6), date(2026, 3, 7)]


def overlapping_active_pairs() -> list[tuple[int, int]]:
    """Pairs of active rows (holds included) of one therapist or one room whose blocked spans overlap, by SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, b.id
            FROM booking_appointment a
            JOIN booking_appointment b
              ON (a.therapist_id = b.therapist_id OR a.room_id = b.room_id) AND a.id < b.id
             AND tstzrange(a.start, a.blocked_until) && tstzrange(b.start, b.blocked_until)
            WHERE a.status IN ('confirmed', 'completed', 'no_show', 'held')
              AND b.status IN ('confirmed', 'completed', 'no_show', 'held')
            """
        )
        return cursor.fetchall()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("day", DAYS)
def test_accepting_while_the_hold_expires_makes_exactly_one_booking(clock, therapist, massage_type, day):
    now = timezone.now()
    sessions = fill_day(therapist, massage_type, now, [at(9, 0, day), at(10, 15, day), at(13, 0, day)])
    first, second = UserFactory.create(), UserFactory.create()
    services.join(patient=first, massage_type=massage_type, date_from=day, date_to=day, now=now)
    services.join(patient=second, massage_type=massage_type, date_from=day, date_to=day, now=now + timedelta(seconds=1))
    booking.cancel(appointment=sessions[1], by=sessions[1].patient, now=now)
    offer = Offer.objects.get(pk__in=consider_all(now))
    assert offer.entry.patient == first
    expiry = offer.expires_at

    def sweep() -> list[int]:
        services.expire_due(now=expiry)
        return consider_all(expiry)

    accepted, swept = run_together(
        [lambda: services.accept(offer=offer, by=first, now=expiry - timedelta(seconds=1)), sweep]
    )

    assert not isinstance(swept, Exception), swept
    at_ten_fifteen = Appointment.objects.active().filter(therapist=therapist, start=at(10, 15, day))
    assert at_ten_fifteen.count() == 1
    row = at_ten_fifteen.get()
    if isinstance(accepted, Appointment):
        assert (row.pk, row.status, row.patient) == (offer.appointment_id, Status.CONFIRMED, first)
        assert swept == []
        assert Offer.objects.get(pk=offer.pk).state == OfferState.ACCEPTED
    else:
        assert isinstance(accepted, HoldGone), accepted
        assert (row.status, row.patient) == (Status.HELD, second)
        assert Offer.objects.get(pk=offer.pk).state == OfferState.EXPIRED
    assert overlapping_active_pairs() == []
