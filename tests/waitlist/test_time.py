"""Holds across a DST change last the set real time, and windows read the location's wall clock that day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from booking import services as booking
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from tests.waitlist.conftest import consider_all
from waitlist import services
from waitlist.models import Offer, OfferState

pytestmark = pytest.mark.django_db

DST_SUNDAY = date(2026, 3, 8)  # 02:00 EST becomes 03:00 EDT


def local(hour: int, minute: int = 0, day: date = DST_SUNDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CLINIC_ZONE)


def test_a_hold_made_before_the_change_lasts_thirty_real_minutes(clock, therapist, massage_type, patient):
    booked_at = local(8, 0, date(2026, 3, 2))
    session = booking.book(
        patient=UserFactory.create(), therapist=therapist, massage_type=massage_type, start=local(9), now=booked_at
    )
    services.join(
        patient=patient,
        massage_type=massage_type,
        date_from=DST_SUNDAY,
        date_to=DST_SUNDAY,
        time_from=time(9),
        time_to=time(9),
        now=booked_at,
    )
    before_change = local(1, 45)  # EST
    booking.cancel(appointment=session, by=therapist.user, now=before_change)

    offer = Offer.objects.get(pk__in=consider_all(before_change))

    assert offer.appointment.start == local(9)  # 09:00 EDT, the wall clock the window speaks
    assert offer.expires_at - before_change == timedelta(minutes=30)
    assert offer.expires_at.astimezone(CLINIC_ZONE).time() == time(3, 15)  # an hour went by on the clock
    assert services.expire_due(now=local(3, 14)) == []
    assert services.expire_due(now=local(3, 15)) == [offer.pk]
    offer.refresh_from_db()
    assert offer.state == OfferState.EXPIRED


def test_an_after_five_window_on_the_change_day_reads_local_time(clock, therapist, massage_type, patient):
    from therapists.models import WorkingHours

    WorkingHours.objects.filter(therapist=therapist, weekday=6, start=time(13)).update(end=time(19))
    booked_at = local(8, 0, date(2026, 3, 2))
    evening = booking.book(
        patient=UserFactory.create(), therapist=therapist, massage_type=massage_type, start=local(17), now=booked_at
    )
    services.join(
        patient=patient,
        massage_type=massage_type,
        date_from=DST_SUNDAY,
        date_to=DST_SUNDAY,
        time_from=time(17),
        time_to=time(23, 59),
        now=booked_at,
    )
    booking.cancel(appointment=evening, by=therapist.user, now=booked_at)

    offer = Offer.objects.get(pk__in=consider_all(booked_at))
    assert offer.appointment.start.astimezone(CLINIC_ZONE).time() >= time(17)
