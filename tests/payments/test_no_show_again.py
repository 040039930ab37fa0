"""A session marked no-show, then completed, then no-show again owes its fee once more, and only once.

The policy of tests/payments/conftest.py: an 18.00 deposit at booking and 72.00 more for a
no-show on a 90.00 session. The fee waived by "Not a no-show" is the same ledger row made due
again (one charge per appointment and kind); a fee the staff waived, or one already paid, stays
as it is.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import Event, Kind
from booking import services
from booking.models import MassageType
from clinic.models import User
from payments import sending
from payments import services as payments
from payments.models import Card, Charge, ChargeKind, ChargeState, Policy, Refund
from tests.payments.test_crash import intents_of
from tests.payments.test_fees import AFTER_THE_SESSION, Commits, book, charge_of, committed  # noqa: F401  (a fixture)
from therapists.models import Therapist

pytestmark = pytest.mark.usefixtures("clock")


def fee_events(charge: Charge) -> list[str]:
    """Return the kinds of the charge's events in the order they were written."""
    events = Event.objects.filter(appointment_id=charge.appointment_id).order_by("pk")
    return [event.kind for event in events if event.data.get("charge") == charge.pk]


@pytest.mark.parametrize("approval", [False, True], ids=["charged at once", "waiting for approval"])
def test_marking_a_no_show_again_makes_the_waived_fee_due_again(
    approval: bool,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    policy: Policy,
    payments_on: str,
) -> None:
    Policy.objects.filter(pk=policy.pk).update(no_show_needs_approval=approval)
    appointment = book(patient, therapist, massage_type)
    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    services.mark_completed(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    assert charge_of(appointment, ChargeKind.NO_SHOW_FEE).state == ChargeState.WAIVED

    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert (fee.amount, fee.state) == (
        Decimal("72.00"),
        ChargeState.AWAITING_APPROVAL if approval else ChargeState.PENDING,
    )
    assert fee in payments.owed(patient.pk)
    assert fee_events(fee) == [Kind.CHARGE_OWED, Kind.CHARGE_WAIVED, Kind.CHARGE_OWED]


def test_a_fee_due_again_is_charged_to_the_card_once(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    payments_on: str,
    committed: Commits,  # noqa: F811  (the fixture imported above)
) -> None:
    appointment = book(patient, therapist, massage_type)
    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    services.mark_completed(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    with committed():
        services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert (fee.amount, fee.state) == (Decimal("72.00"), ChargeState.SUCCEEDED)
    (intent,) = intents_of(fee, payments_on)
    assert (intent["amount"], intent["id"]) == (7200, fee.provider_id)
    assert sending.send_charge(fee.pk) == "skipped"


def test_a_paid_no_show_fee_is_not_charged_again_when_marked_no_show_again(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    payments_on: str,
    committed: Commits,  # noqa: F811  (the fixture imported above)
) -> None:
    appointment = book(patient, therapist, massage_type)
    with committed():
        services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    services.mark_completed(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    with committed():
        services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert fee.state == ChargeState.SUCCEEDED
    assert len(intents_of(fee, payments_on)) == 1
    assert fee_events(fee) == [Kind.CHARGE_OWED, Kind.CHARGE_PAID]


def test_a_fee_the_staff_waived_stays_waived_when_marked_no_show_again(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    policy: Policy,
    admin_user: User,
    payments_on: str,
) -> None:
    Policy.objects.filter(pk=policy.pk).update(no_show_needs_approval=True)
    appointment = book(patient, therapist, massage_type)
    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    payments.waive_fee(
        charge=charge_of(appointment, ChargeKind.NO_SHOW_FEE), by=admin_user, reason="First time", now=AFTER_THE_SESSION
    )

    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    services.mark_completed(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert fee.state == ChargeState.WAIVED
    assert fee not in payments.owed(patient.pk)


def test_the_deposit_above_the_fee_is_given_back_once_however_often_marked_no_show(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    policy: Policy,
    payments_on: str,
    committed: Commits,  # noqa: F811  (the fixture imported above)
) -> None:
    Policy.objects.filter(pk=policy.pk).update(no_show_fee_percent=Decimal("10"))  # 9.00, under the 18.00 deposit
    with committed():
        appointment = book(patient, therapist, massage_type)

    for mark in (services.mark_no_show, services.mark_completed, services.mark_no_show, services.mark_no_show):
        with committed():
            mark(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    (refund,) = Refund.objects.filter(charge__appointment=appointment)
    assert refund.amount == Decimal("9.00")
    assert payments.refundable(charge_of(appointment, ChargeKind.DEPOSIT)) == Decimal("9.00")
    assert not Charge.objects.filter(appointment=appointment, kind=ChargeKind.NO_SHOW_FEE).exists()
