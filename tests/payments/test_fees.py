"""Fees and refunds as the policy says, once: no-show fees, approval, the terms kept, deposits given back.

The policy of tests/payments/conftest.py: a 20 % deposit, a 50 % late-cancellation fee and
a 100 % no-show fee, on a 90.00 session: 18.00 at booking, 72.00 more for a no-show. Tasks
run inline when a test lets its commits' hand-offs run, so "charged at once" is what
reaches localstripe when the service's transaction commits.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import stripe
from stripe._payment_intent_service import PaymentIntentService

from booking import services
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.models import User
from payments import reconcile, sending
from payments import services as payments
from payments.models import Card, Charge, ChargeKind, ChargeState, Policy, Refund, RefundState, Terms
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.payments.conftest import save_card
from tests.payments.test_crash import after_claim_timeout, intents_of, refunds_of
from tests.payments.test_exactly_once import in_threads, tasks_run_inline
from therapists.models import Therapist

WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
AFTER_THE_SESSION = datetime(2026, 3, 4, 11, 5, tzinfo=CLINIC_ZONE)
INSIDE_THE_WINDOW = datetime(2026, 3, 3, 12, 0, tzinfo=CLINIC_ZONE)

pytestmark = pytest.mark.usefixtures("clock")

Commits = Callable[[], AbstractContextManager[Any]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Commits:
    """Let what the service hands over on commit run, with a worker taking each task at once."""

    @contextmanager
    def run() -> Iterator[None]:
        with tasks_run_inline(), django_capture_on_commit_callbacks(execute=True):
            yield

    return run


def book(patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)


def charge_of(appointment: Appointment, kind: str) -> Charge:
    return Charge.objects.get(appointment=appointment, kind=kind)


def lose_stripes_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on Stripe charges (or declines) but its answer never comes back."""
    original = PaymentIntentService.create

    def lost(self: PaymentIntentService, *args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(stripe.StripeError):  # declined: Stripe has it all the same
            original(self, *args, **kwargs)
        raise stripe.APIConnectionError("Connection reset by peer")

    monkeypatch.setattr(PaymentIntentService, "create", lost)


def test_marking_a_no_show_charges_the_fee_less_the_deposit_at_once(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str, committed: Commits
) -> None:
    with committed():
        appointment = book(patient, therapist, massage_type)
    assert charge_of(appointment, ChargeKind.DEPOSIT).state == ChargeState.SUCCEEDED

    with committed():
        services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert (fee.amount, fee.state) == (Decimal("72.00"), ChargeState.SUCCEEDED)
    (intent,) = intents_of(fee, payments_on)
    assert (intent["amount"], intent["id"]) == (7200, fee.provider_id)
    assert sending.send_charge(fee.pk) == "skipped"


def test_with_approval_on_the_no_show_fee_waits_for_the_front_desk(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    policy: Policy,
    admin_user: User,
    payments_on: str,
    committed: Commits,
) -> None:
    Policy.objects.filter(pk=policy.pk).update(no_show_needs_approval=True)
    appointment = book(patient, therapist, massage_type)

    with committed():
        services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert fee.state == ChargeState.AWAITING_APPROVAL
    assert sending.send_charge(fee.pk) == "skipped"
    assert intents_of(fee, payments_on) == []
    with pytest.raises(NotAllowed):
        payments.approve_fee(charge=fee, by=therapist.user)

    with committed():
        payments.approve_fee(charge=fee, by=admin_user)

    fee.refresh_from_db()
    assert (fee.state, fee.amount) == (ChargeState.SUCCEEDED, Decimal("72.00"))
    assert len(intents_of(fee, payments_on)) == 1
    with pytest.raises(InvalidTransition):
        payments.approve_fee(charge=fee, by=admin_user)


@pytest.mark.parametrize("approval", [False, True], ids=["charged at once", "waiting for approval"])
def test_unmarking_a_no_show_waives_the_fee_not_yet_charged(
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
    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert fee.state == (ChargeState.AWAITING_APPROVAL if approval else ChargeState.PENDING)

    # The patient came after all; the fee's task, still queued, then finds nothing to charge.
    services.mark_completed(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee.refresh_from_db()
    assert fee.state == ChargeState.WAIVED
    assert sending.send_charge(fee.pk) == "skipped"
    assert intents_of(fee, payments_on) == []
    assert fee not in payments.owed(patient.pk)


def test_unmarking_a_no_show_leaves_a_fee_already_paid_to_a_refund_by_staff(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str, committed: Commits
) -> None:
    appointment = book(patient, therapist, massage_type)
    with committed():
        services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    services.mark_completed(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert fee.state == ChargeState.SUCCEEDED
    assert payments.refundable(fee) == Decimal("72.00")


def test_the_terms_an_appointment_was_booked_under_survive_a_policy_change(
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    policy: Policy,
    payments_on: str,
) -> None:
    appointment = book(patient, therapist, massage_type)
    Policy.objects.filter(pk=policy.pk).update(
        deposit_percent=Decimal("0"), no_show_fee_percent=Decimal("10"), no_show_needs_approval=True
    )

    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)

    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)
    assert (fee.amount, fee.state) == (Decimal("72.00"), ChargeState.PENDING)  # 100 % less the deposit, at once
    terms = Terms.objects.get(appointment=appointment)
    assert (terms.deposit, terms.no_show_fee, terms.no_show_needs_approval) == (
        Decimal("18.00"),
        Decimal("90.00"),
        False,
    )
    # A booking made after the change is under the new terms.
    save_card(other_patient, payments_on)
    later = services.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=WED_10.replace(hour=13)
    )
    new_terms = Terms.objects.get(appointment=later)
    assert (new_terms.deposit, new_terms.no_show_fee, new_terms.no_show_needs_approval) == (
        Decimal("0.00"),
        Decimal("9.00"),
        True,
    )
    assert not Charge.objects.filter(appointment=later).exists()


def test_cancelling_in_time_gives_the_paid_deposit_back_once(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str, committed: Commits
) -> None:
    with committed():
        appointment = book(patient, therapist, massage_type)

    with committed():
        services.cancel(appointment=appointment, by=patient)

    (refund,) = Refund.objects.filter(charge__appointment=appointment)
    assert (refund.amount, refund.state) == (Decimal("18.00"), RefundState.SUCCEEDED)
    assert sending.send_refund(refund.pk) == "skipped"
    (given,) = refunds_of(refund, payments_on)
    assert given["amount"] == 1800
    assert not payments.owed(patient.pk)


def test_a_deposit_that_settles_after_a_cancellation_in_time_is_given_back_once(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    payments_on: str,
    committed: Commits,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    appointment = book(patient, therapist, massage_type)
    deposit = charge_of(appointment, ChargeKind.DEPOSIT)
    with monkeypatch.context() as patch:
        lose_stripes_answers(patch)
        assert sending.send_charge(deposit.pk) == "unknown"

    services.cancel(appointment=appointment, by=patient)
    deposit.refresh_from_db()
    assert deposit.state == ChargeState.SENDING  # being charged: neither waived nor refunded yet

    with committed():
        reconcile.reconcile(now=after_claim_timeout())

    deposit.refresh_from_db()
    assert deposit.state == ChargeState.SUCCEEDED
    (refund,) = Refund.objects.filter(charge=deposit)
    assert (refund.amount, refund.state) == (Decimal("18.00"), RefundState.SUCCEEDED)
    assert len(refunds_of(refund, payments_on)) == 1
    with committed():
        assert reconcile.reconcile(now=after_claim_timeout())["refunds_settled"] == 0
    assert Refund.objects.filter(charge=deposit).count() == 1


def test_a_deposit_declined_after_a_cancellation_in_time_is_owed_by_no_one(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    policy: Policy,
    payments_on: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_card(patient, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    appointment = book(patient, therapist, massage_type)
    deposit = charge_of(appointment, ChargeKind.DEPOSIT)
    with monkeypatch.context() as patch:
        lose_stripes_answers(patch)
        sending.send_charge(deposit.pk)
    services.cancel(appointment=appointment, by=patient)

    reconcile.reconcile(now=after_claim_timeout())

    deposit.refresh_from_db()
    assert deposit.state == ChargeState.WAIVED
    assert not payments.owed(patient.pk)
    assert not Notification.objects.filter(appointment=appointment, kind=NotificationKind.PAYMENT_DUE).exists()


def test_a_deposit_that_settles_after_a_late_cancellation_counts_towards_the_fee(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    payments_on: str,
    clock: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    appointment = book(patient, therapist, massage_type)
    deposit = charge_of(appointment, ChargeKind.DEPOSIT)
    with monkeypatch.context() as patch:
        lose_stripes_answers(patch)
        sending.send_charge(deposit.pk)
    clock.move_to(INSIDE_THE_WINDOW)
    services.cancel(appointment=appointment, by=patient, late_fee_accepted=True)

    reconcile.reconcile(now=after_claim_timeout())

    deposit.refresh_from_db()
    assert deposit.state == ChargeState.SUCCEEDED
    assert charge_of(appointment, ChargeKind.LATE_CANCEL_FEE).amount == Decimal("27.00")  # 45.00 less 18.00
    assert not Refund.objects.filter(charge=deposit).exists()


def test_a_paid_charge_is_refunded_in_parts_never_above_what_was_paid(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    admin_user: User,
    payments_on: str,
    committed: Commits,
) -> None:
    with committed():
        appointment = book(patient, therapist, massage_type)
    deposit = charge_of(appointment, ChargeKind.DEPOSIT)

    with pytest.raises(InvalidBooking) as too_much:
        payments.refund(charge=deposit, by=admin_user, amount=Decimal("18.01"), reason="Goodwill")
    assert "amount" in too_much.value.fields
    with committed():
        part = payments.refund(charge=deposit, by=admin_user, amount=Decimal("5.50"), reason="Goodwill")
    with committed():
        rest = payments.refund(charge=deposit, by=admin_user, reason="Therapist ill")
    with pytest.raises(InvalidTransition):
        payments.refund(charge=deposit, by=admin_user, amount=Decimal("0.01"), reason="Once more")
    with pytest.raises(NotAllowed):
        payments.refund(charge=deposit, by=patient, reason="Myself")

    part.refresh_from_db()
    rest.refresh_from_db()
    assert (part.amount, rest.amount) == (Decimal("5.50"), Decimal("12.50"))
    assert part.state == rest.state == RefundState.SUCCEEDED
    assert payments.refundable(deposit) == 0
    given = refunds_of(part, payments_on) + refunds_of(rest, payments_on)
    assert sorted(r["amount"] for r in given) == [550, 1250]


def test_a_declined_fee_is_left_owed_with_one_payment_due_notice(
    patient: User, therapist: Therapist, massage_type: MassageType, policy: Policy, payments_on: str
) -> None:
    save_card(patient, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    appointment = book(patient, therapist, massage_type)
    services.mark_no_show(appointment=appointment, by=therapist.user, now=AFTER_THE_SESSION)
    fee = charge_of(appointment, ChargeKind.NO_SHOW_FEE)

    assert sending.send_charge(fee.pk) == "failed"
    assert sending.send_charge(fee.pk) == "skipped"
    reconcile.reconcile(now=after_claim_timeout())

    fee.refresh_from_db()
    assert fee.state == ChargeState.FAILED
    assert fee.failure_message
    assert fee in payments.owed(patient.pk)
    due = Notification.objects.filter(appointment=appointment, kind=NotificationKind.PAYMENT_DUE, subject_id=fee.pk)
    assert due.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_refunds_of_the_whole_at_once_give_back_the_charge_once(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, admin_user: User, payments_on: str
) -> None:
    appointment = book(patient, therapist, massage_type)
    deposit = charge_of(appointment, ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "succeeded"
    deposit.refresh_from_db()

    results = in_threads(
        *[lambda: payments.refund(charge=deposit, by=admin_user, reason="Twice clicked")] * 2,
    )

    refunds = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, InvalidTransition)]
    assert (len(refunds), len(refused)) == (1, 1), results
    assert Refund.objects.filter(charge=deposit).count() == 1
    assert refunds[0].amount == Decimal("18.00")
