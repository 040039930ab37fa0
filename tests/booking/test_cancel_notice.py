"""Who is told of a cancellation: staff may leave the patient out; an address that cannot receive mail gets none."""

from __future__ import annotations

from datetime import datetime

import pytest

from booking import outbox, services
from booking.exceptions import NotAllowed
from booking.models import Notification, NotificationKind, NotificationStatus, Status
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory

WED_10 = datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE)


@pytest.mark.django_db
def test_staff_may_cancel_without_telling_the_patient_and_the_therapist_is_still_told(
    clock, patient, therapist, massage_type, admin_user
) -> None:
    booked = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)
    Notification.objects.filter(kind=NotificationKind.THERAPIST_NEW).update(status=NotificationStatus.SENT)

    services.cancel(appointment=booked, by=admin_user, reason="Called to cancel", notify_patient=False)

    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    owed = set(
        Notification.objects.filter(appointment=booked, status=NotificationStatus.PENDING).values_list(
            "kind", flat=True
        )
    )
    assert owed == {NotificationKind.THERAPIST_CANCELLATION}


@pytest.mark.django_db
def test_a_patient_cannot_cancel_silently(clock, patient, therapist, massage_type) -> None:
    booked = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)

    with pytest.raises(NotAllowed):
        services.cancel(appointment=booked, by=patient, notify_patient=False)

    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED


@pytest.mark.django_db
def test_a_caller_without_an_e_mail_address_is_owed_no_notice(clock, therapist, massage_type, admin_user) -> None:
    caller = UserFactory(email="caller-7@no-email.invalid")

    booked = services.book(patient=caller, therapist=therapist, massage_type=massage_type, start=WED_10, by=admin_user)

    recipients = set(Notification.objects.filter(appointment=booked).values_list("recipient", flat=True))
    assert recipients == {therapist.user.email}


def test_only_the_reserved_invalid_domain_is_undeliverable() -> None:
    assert not outbox.can_receive_mail("caller-1@no-email.invalid")
    assert not outbox.can_receive_mail("someone@EXAMPLE.INVALID.")
    assert outbox.can_receive_mail("alice@example.test")
    assert outbox.can_receive_mail("invalid@example.com")
