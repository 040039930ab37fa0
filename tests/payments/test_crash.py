"""A worker killed in the middle of a charge, in a real child process, and the sweep that recovers it.

The child is a plain Django process on the test database and localstripe. In the child only,
Stripe's PaymentIntent create is wrapped to SIGKILL the process either right after Stripe
answered (the money is taken, our row still says `sending`) or right before the request
left (Stripe never heard of it). The sweep must then settle from Stripe's record, or send
again, and in both cases Stripe ends up with exactly one succeeded PaymentIntent.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.celery import app as celery_app
from clinic.models import User
from payments import reconcile, tasks
from payments import services as payment_services
from payments.models import Card, Charge, ChargeKind, ChargeState, Refund, RefundState
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from tests.notifications.test_tasks import database_url
from therapists.models import Therapist

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)

# The worker, as `python -c`: Django set up from the environment, then one send_charge or
# send_refund, with the Stripe call it makes wrapped to kill the process.
CHILD = """
import os, signal, sys

import django

django.setup()

from stripe._payment_intent_service import PaymentIntentService
from stripe._refund_service import RefundService

from payments import sending

service = {"charge": PaymentIntentService, "refund": RefundService}[sys.argv[1]]
original = service.create
kill_at = os.environ["KILL_AT"]


def create(self, *args, **kwargs):
    if kill_at == "before_stripe":
        os.kill(os.getpid(), signal.SIGKILL)
    answer = original(self, *args, **kwargs)
    if kill_at == "after_stripe":
        os.kill(os.getpid(), signal.SIGKILL)
    return answer


service.create = create
send = sending.send_charge if sys.argv[1] == "charge" else sending.send_refund
print(send(int(sys.argv[2])))
"""


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    # Bookings hand their charges to the broker on commit; no worker takes them here.
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def run_worker_killed(row: Charge | Refund, *, kill_at: str, stripe_base: str) -> None:
    """Send the charge or refund in a child process that is SIGKILLed at the given moment."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "STRIPE_SECRET_KEY": fake_stripe.SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": fake_stripe.PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": fake_stripe.WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_base,
        "KILL_AT": kill_at,
    }
    done = subprocess.run(  # noqa: S603 (this interpreter, our own script)
        [sys.executable, "-c", CHILD, "charge" if isinstance(row, Charge) else "refund", str(row.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr[-3000:]


def intents_of(charge: Charge, stripe_base: str) -> list[dict[str, Any]]:
    """Return every PaymentIntent localstripe holds for the charge, read from Stripe's side."""
    listed = fake_stripe.client(stripe_base).v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
    found = [intent.to_dict() for intent in listed]
    return [
        intent
        for intent in found
        if intent["metadata"].get("charge") == str(charge.pk)
        and intent["metadata"].get("appointment") == str(charge.appointment_id)
    ]


def after_claim_timeout() -> datetime:
    """A sweep's clock once the child's claim (stamped with the real time) has gone stale."""
    return timezone.now() + settings.PAYMENTS_CLAIM_TIMEOUT + timedelta(seconds=1)


def booked_deposit(
    patient: User, therapist: Therapist, massage_type: MassageType, *, start: datetime = WED_10
) -> Charge:
    """Book a session for the patient (their card saved) and return the deposit it owes."""
    appointment = services.book(
        patient=patient, therapist=therapist, massage_type=massage_type, start=start, now=PINNED_NOW
    )
    return Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)


def receipts(appointment: Appointment) -> int:
    return Notification.objects.filter(appointment=appointment, kind=NotificationKind.RECEIPT).count()


def test_a_worker_killed_after_stripe_charged_is_settled_from_stripes_record_and_never_charged_again(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str
) -> None:
    deposit = booked_deposit(patient, therapist, massage_type)

    run_worker_killed(deposit, kill_at="after_stripe", stripe_base=payments_on)

    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts, deposit.provider_id) == (ChargeState.SENDING, 1, None)
    (intent,) = intents_of(deposit, payments_on)
    assert intent["status"] == "succeeded"
    # Before the claim timeout the sweep leaves a claim alone: its worker may still be at it.
    assert reconcile.reconcile()["charges_settled"] == 0

    counts = reconcile.reconcile(now=after_claim_timeout())

    assert counts["charges_settled"] == 1
    assert counts["charges_resent"] == 0
    deposit.refresh_from_db()
    assert deposit.state == ChargeState.SUCCEEDED
    assert deposit.provider_id == intent["id"]
    assert deposit.attempts == 1
    assert receipts(deposit.appointment) == 1
    # The broker redelivers the dead worker's task: it finds the row settled and does nothing.
    assert tasks.send_charge(deposit.pk) == "skipped"
    assert reconcile.reconcile(now=after_claim_timeout())["charges_settled"] == 0
    assert [i["status"] for i in intents_of(deposit, payments_on)] == ["succeeded"]
    assert receipts(deposit.appointment) == 1


def test_a_worker_killed_before_its_call_reached_stripe_is_put_back_and_charged_exactly_once(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str
) -> None:
    deposit = booked_deposit(patient, therapist, massage_type)

    run_worker_killed(deposit, kill_at="before_stripe", stripe_base=payments_on)

    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SENDING, 1)
    assert intents_of(deposit, payments_on) == []

    counts = reconcile.reconcile(now=after_claim_timeout())

    assert counts["charges_resent"] == 1
    deposit.refresh_from_db()
    assert deposit.state == ChargeState.PENDING
    # The task the sweep handed over, and a duplicate of it: one charge, as attempt 2.
    assert tasks.send_charge(deposit.pk) == "succeeded"
    assert tasks.send_charge(deposit.pk) == "skipped"
    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SUCCEEDED, 2)
    (intent,) = intents_of(deposit, payments_on)
    assert (intent["status"], intent["metadata"]["attempt"], intent["id"]) == ("succeeded", "2", deposit.provider_id)
    assert receipts(deposit.appointment) == 1


def refunds_of(refund: Refund, stripe_base: str) -> list[dict[str, Any]]:
    """Return every refund localstripe holds for our refund row."""
    listed = fake_stripe.client(stripe_base).v1.refunds.list(
        params={"payment_intent": refund.charge.provider_id or "", "limit": 100}
    )
    found = [r.to_dict() for r in listed.auto_paging_iter()]
    return [r for r in found if r["metadata"].get("refund") == str(refund.pk)]


def paid_deposit_refund(
    patient: User, therapist: Therapist, massage_type: MassageType, admin_user: User, amount: str
) -> Refund:
    deposit = booked_deposit(patient, therapist, massage_type)
    assert tasks.send_charge(deposit.pk) == "succeeded"
    deposit.refresh_from_db()
    return payment_services.refund(charge=deposit, by=admin_user, amount=Decimal(amount), reason="Goodwill")


@pytest.mark.parametrize("kill_at", ["after_stripe", "before_stripe"])
def test_a_refund_whose_worker_was_killed_is_given_back_exactly_once(
    kill_at: str,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    card: Card,
    admin_user: User,
    payments_on: str,
) -> None:
    refund = paid_deposit_refund(patient, therapist, massage_type, admin_user, "5.00")

    run_worker_killed(refund, kill_at=kill_at, stripe_base=payments_on)

    refund.refresh_from_db()
    assert (refund.state, refund.attempts) == (RefundState.SENDING, 1)
    assert len(refunds_of(refund, payments_on)) == (1 if kill_at == "after_stripe" else 0)

    counts = reconcile.reconcile(now=after_claim_timeout())

    if kill_at == "after_stripe":
        assert (counts["refunds_settled"], counts["refunds_resent"]) == (1, 0)
    else:
        assert (counts["refunds_settled"], counts["refunds_resent"]) == (0, 1)
        assert tasks.send_refund(refund.pk) == "succeeded"
    assert tasks.send_refund(refund.pk) == "skipped"
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    (given,) = refunds_of(refund, payments_on)
    assert (given["id"], given["amount"], given["status"]) == (refund.provider_id, 500, "succeeded")
