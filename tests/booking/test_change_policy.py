"""The one answer to "can the patient still change this online?": booking.policy.change_policy."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from booking import services
from booking.exceptions import CancellationTooLate
from booking.models import Status
from booking.policy import ChangePolicy, change_policy, has_started
from tests.conftest import CLINIC_ZONE

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture
def appointment(clock, patient, therapist, massage_type):
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(4, 10))


def test_before_the_deadline_the_patient_may_change_it_until_the_deadline(appointment) -> None:
    policy = change_policy(appointment, now=at(2, 8))

    assert policy == ChangePolicy(can_change=True, deadline=at(3, 10), reason="")


def test_at_the_deadline_itself_it_can_still_be_changed(appointment) -> None:
    assert change_policy(appointment, now=at(3, 10)).can_change is True


def test_past_the_deadline_there_is_no_deadline_and_the_patient_is_told_to_call(appointment) -> None:
    policy = change_policy(appointment, now=at(3, 10, 1))

    assert (policy.can_change, policy.deadline) == (False, None)
    assert policy.reason == "Within 24 hours of the session, please call us on +1 617 555 0142 to cancel or move it."


def test_the_window_follows_the_setting(appointment, settings) -> None:
    settings.CANCELLATION_WINDOW = timedelta(hours=2)

    assert change_policy(appointment, now=at(4, 7)).deadline == at(4, 8)
    assert "Within 2 hours of the session" in change_policy(appointment, now=at(4, 9)).reason


def test_a_session_that_has_started_cannot_be_changed(appointment) -> None:
    policy = change_policy(appointment, now=at(4, 10))

    assert (policy.can_change, policy.deadline) == (False, None)
    assert has_started(appointment, now=at(4, 10))
    assert not has_started(appointment, now=at(4, 9, 59))


def test_a_cancelled_appointment_has_no_deadline(appointment, patient) -> None:
    cancelled = services.cancel(appointment=appointment, by=patient, now=at(2, 9))

    policy = change_policy(cancelled, now=at(2, 9))

    assert cancelled.status == Status.CANCELLED
    assert (policy.can_change, policy.deadline) == (False, None)
    assert policy.reason == "This appointment is cancelled."


def test_the_policy_agrees_with_the_service_that_enforces_it(appointment, patient) -> None:
    # The pages offer the buttons exactly when cancel() would accept the patient's request.
    assert not change_policy(appointment, now=at(3, 10, 1)).can_change
    with pytest.raises(CancellationTooLate):
        services.cancel(appointment=appointment, by=patient, now=at(3, 10, 1))
    assert change_policy(appointment, now=at(3, 10)).can_change
    services.cancel(appointment=appointment, by=patient, now=at(3, 10))
