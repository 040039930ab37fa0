"""A session's blocked span, computed in one place (MassageType.span) for booking and rescheduling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking import services
from booking.models import MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist


def test_the_span_is_the_length_then_the_buffer() -> None:
    deep = MassageType(duration_minutes=60, buffer_minutes=15)
    start = datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE)
    end, blocked_until = deep.span(start)
    assert (end, blocked_until) == (start + timedelta(minutes=60), start + timedelta(minutes=75))


def test_a_session_across_the_autumn_change_lasts_its_real_length() -> None:
    # 01:30 EDT on 1 November 2026, the night the clocks go back at 02:00: an hour later is
    # 01:30 EST, not the wall clock's 02:30 (two real hours after the start).
    deep = MassageType(duration_minutes=60, buffer_minutes=15)
    start = datetime(2026, 11, 1, 1, 30, tzinfo=CLINIC_ZONE)
    end, blocked_until = deep.span(start)
    assert end == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert end - start == timedelta(minutes=60)
    assert blocked_until - end == timedelta(minutes=15)


@pytest.mark.django_db
def test_a_booking_holds_the_span_of_its_type(
    clock: object, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    start = datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE)
    appointment = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)
    appointment.refresh_from_db()
    assert (appointment.end, appointment.blocked_until) == massage_type.span(start)
