"""The sweep finds a lost attempt at Stripe among the PaymentIntents made since its charge row, not all of them.

A PaymentIntent carrying a charge's id and attempt but made before that row existed (Stripe
keeps what a ledger restored from a backup, or a reset test database, has forgotten, and the
ids are handed out again) is not that attempt.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking.models import MassageType
from clinic.celery import app as celery_app
from clinic.models import User
from payments import gateway, reconcile, tasks
from payments.models import Card, Charge, ChargeState
from tests import localstripe as fake_stripe
from tests.payments.test_crash import after_claim_timeout, booked_deposit, intents_of, run_worker_killed
from therapists.models import Therapist

# Charge ids no row of the suite reaches.
UNUSED_CHARGE_ID = 990_000_001


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    # Bookings hand their charges to the broker on commit; no worker takes them here.
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def intent_at_stripe(stripe_base: str, *, charge_id: int, attempt: int, appointment_id: int = 0) -> dict[str, Any]:
    """Make a PaymentIntent at localstripe with our metadata for (charge, attempt), as an attempt would."""
    made = fake_stripe.client(stripe_base).v1.payment_intents.create(
        params={
            "amount": 1800,
            "currency": "usd",
            "metadata": {
                "charge": str(charge_id),
                "attempt": str(attempt),
                "appointment": str(appointment_id),
                "kind": "deposit",
            },
        }
    )
    return made.to_dict()  # type: ignore[no-any-return]


def created_at(intent: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(intent["created"], tz=UTC)


def test_the_attempt_is_found_among_payment_intents_made_since_its_charge(payments_on: str) -> None:
    made = intent_at_stripe(payments_on, charge_id=UNUSED_CHARGE_ID, attempt=1)

    found = gateway.find_intent(charge_id=UNUSED_CHARGE_ID, attempt=1, since=created_at(made) - timedelta(minutes=1))

    assert found is not None
    assert found.provider_id == made["id"]
    assert gateway.find_intent(charge_id=UNUSED_CHARGE_ID, attempt=2, since=created_at(made)) is None


def test_a_clock_ahead_of_stripes_by_less_than_the_look_back_still_finds_the_attempt(payments_on: str) -> None:
    made = intent_at_stripe(payments_on, charge_id=UNUSED_CHARGE_ID + 1, attempt=1)
    # Our clock ahead of Stripe's: the row looks written after the PaymentIntent it caused.
    since = created_at(made) + gateway.LOOK_BACK - timedelta(minutes=1)

    found = gateway.find_intent(charge_id=UNUSED_CHARGE_ID + 1, attempt=1, since=since)

    assert found is not None
    assert found.provider_id == made["id"]


def test_older_payment_intents_listed_before_the_attempt_do_not_end_the_scan(payments_on: str) -> None:
    # localstripe lists oldest first: an older PaymentIntent comes before the attempt.
    older = intent_at_stripe(payments_on, charge_id=UNUSED_CHARGE_ID + 3, attempt=1)
    while int(time.time()) <= older["created"]:  # Stripe's times are whole seconds
        time.sleep(0.05)
    made = intent_at_stripe(payments_on, charge_id=UNUSED_CHARGE_ID + 4, attempt=1)
    assert made["created"] > older["created"]
    # Our clock ahead by the whole look-back: the older one is past the bound, the attempt on it.
    since = created_at(made) + gateway.LOOK_BACK

    found = gateway.find_intent(charge_id=UNUSED_CHARGE_ID + 4, attempt=1, since=since)

    assert found is not None
    assert found.provider_id == made["id"]


def test_a_payment_intent_made_before_the_charge_is_not_its_attempt(payments_on: str) -> None:
    stale = intent_at_stripe(payments_on, charge_id=UNUSED_CHARGE_ID + 2, attempt=1)

    since = created_at(stale) + gateway.LOOK_BACK + timedelta(hours=1)

    assert gateway.find_intent(charge_id=UNUSED_CHARGE_ID + 2, attempt=1, since=since) is None


@pytest.mark.django_db(transaction=True)  # the killed worker is another process: it sees commits only
def test_the_sweep_sends_an_attempt_again_when_stripe_only_has_an_older_namesake(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str
) -> None:
    deposit = booked_deposit(patient, therapist, massage_type)
    stale = intent_at_stripe(payments_on, charge_id=deposit.pk, attempt=1, appointment_id=deposit.appointment_id)
    # The ledger was restored from a backup made before that PaymentIntent: the row is newer.
    Charge.objects.filter(pk=deposit.pk).update(created_at=created_at(stale) + gateway.LOOK_BACK + timedelta(hours=1))
    run_worker_killed(deposit, kill_at="before_stripe", stripe_base=payments_on)

    counts = reconcile.reconcile(now=after_claim_timeout())

    assert counts["charges_resent"] == 1
    assert tasks.send_charge(deposit.pk) == "succeeded"
    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SUCCEEDED, 2)
    assert deposit.provider_id != stale["id"]
    assert sorted(i["metadata"]["attempt"] for i in intents_of(deposit, payments_on)) == ["1", "2"]
