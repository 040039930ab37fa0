"""The ledger against localstripe: the deposit at booking, the late-cancellation fee, a declined card left owed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from booking import services
from booking.exceptions import CancellationTooLate, PolicyRefused
from booking.models import MassageType
from clinic.models import User
from payments import sending
from payments.models import Card, Charge, ChargeKind, ChargeState, Policy
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.payments.conftest import save_card
from therapists.models import Therapist

WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)

pytestmark = pytest.mark.usefixtures("clock")


def test_booking_charges_the_deposit_to_the_saved_card(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str
) -> None:
    appointment = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)

    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert deposit.state == ChargeState.PENDING
    assert deposit.amount == (massage_type.price * Decimal("0.2")).quantize(Decimal("0.01"))

    assert sending.send_charge(deposit.pk) == "succeeded"
    assert sending.send_charge(deposit.pk) == "skipped"  # a duplicate task charges nothing

    deposit.refresh_from_db()
    assert deposit.state == ChargeState.SUCCEEDED
    intent = fake_stripe.client(payments_on).v1.payment_intents.retrieve(deposit.provider_id or "")
    assert intent.amount == int(deposit.amount * 100)
    assert intent.metadata.to_dict() == {
        "charge": str(deposit.pk),
        "attempt": "1",
        "appointment": str(appointment.pk),
        "kind": "deposit",
    }


def test_booking_online_without_a_card_is_refused_when_the_policy_asks_for_one(
    patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy
) -> None:
    with pytest.raises(PolicyRefused) as refused:
        services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)

    assert refused.value.code == "card_required"
    assert not Charge.objects.exists()


def test_a_late_cancellation_with_the_fee_accepted_charges_the_fee_less_the_deposit(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, clock: object
) -> None:
    appointment = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)
    clock.move_to(datetime(2026, 3, 3, 12, 0, tzinfo=CLINIC_ZONE))  # type: ignore[attr-defined]

    with pytest.raises(CancellationTooLate):
        services.cancel(appointment=appointment, by=patient)
    services.cancel(appointment=appointment, by=patient, late_fee_accepted=True)

    fee = Charge.objects.get(appointment=appointment, kind=ChargeKind.LATE_CANCEL_FEE)
    half, fifth = massage_type.price / 2, (massage_type.price * Decimal("0.2")).quantize(Decimal("0.01"))
    assert fee.amount == half - fifth
    assert sending.send_charge(fee.pk) == "succeeded"


def test_a_declined_card_leaves_the_fee_owed(
    patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy
) -> None:
    save_card(patient, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    appointment = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)

    assert sending.send_charge(deposit.pk) == "failed"

    deposit.refresh_from_db()
    assert deposit.state == ChargeState.FAILED
    assert deposit.failure_message
    assert list(Charge.objects.owed()) == [deposit]
