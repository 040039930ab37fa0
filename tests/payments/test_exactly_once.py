"""Each charge reaches Stripe once, whatever runs twice: duplicate tasks, two beats at once, lost answers.

Stripe's side is localstripe, which ignores idempotency keys: a second call would make a
second PaymentIntent, so counting them at localstripe shows whether we sent twice. A lost
answer (Stripe charged, the reply never came back) and an unreachable Stripe are made by
wrapping the stripe library's call, the one thing here that leaves the building.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
import stripe
import time_machine
from django.db import connection
from stripe._payment_intent_service import PaymentIntentService

from booking import services
from booking.models import MassageType, Notification, NotificationKind
from clinic.celery import app as celery_app
from clinic.models import User
from payments import gateway, reconcile, sending
from payments.models import Charge, ChargeState, Policy, Refund
from tests.conftest import PINNED_NOW
from tests.factories import UserFactory
from tests.payments.conftest import save_card
from tests.payments.test_crash import WED_10, after_claim_timeout, booked_deposit, intents_of
from therapists.models import Therapist

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    celery_app.control.purge()
    yield
    celery_app.control.purge()


@contextmanager
def tasks_run_inline() -> Iterator[None]:
    """A task handed to the broker runs at once, in the caller's thread (a worker always ready)."""
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


def in_threads(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment, each in its own thread with its own connection; return their results."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def deposits_of(n: int, therapist: Therapist, massage_type: MassageType, stripe_base: str) -> list[Charge]:
    """Book n sessions of n patients with saved cards; return their deposits, not yet sent."""
    deposits = []
    for i in range(n):
        person: User = UserFactory.create(email=f"patient{i}@example.test")
        save_card(person, stripe_base)
        start = WED_10.replace(day=4 + i // 4, hour=(9, 11, 13, 15)[i % 4])
        deposits.append(booked_deposit(person, therapist, massage_type, start=start))
    return deposits


def stripe_fails(monkeypatch: pytest.MonkeyPatch, *, after_charging: bool) -> None:
    """Every PaymentIntent create from now on is lost: before it reaches Stripe, or on its way back."""
    original = PaymentIntentService.create

    def lost(self: PaymentIntentService, *args: Any, **kwargs: Any) -> Any:
        if after_charging:
            original(self, *args, **kwargs)
        raise stripe.APIConnectionError("Connection reset by peer")

    monkeypatch.setattr(PaymentIntentService, "create", lost)


def test_two_workers_given_the_same_task_at_once_charge_once(
    therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy
) -> None:
    (deposit,) = deposits_of(1, therapist, massage_type, payments_on)

    results = in_threads(*[lambda: sending.send_charge(deposit.pk)] * 3)

    assert sorted(results) == ["skipped", "skipped", "succeeded"]
    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SUCCEEDED, 1)
    assert [i["status"] for i in intents_of(deposit, payments_on)] == ["succeeded"]


def test_a_lost_answer_leaves_the_charge_to_the_sweep_which_settles_it_without_charging_again(
    therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    (deposit,) = deposits_of(1, therapist, massage_type, payments_on)
    with monkeypatch.context() as patch:
        stripe_fails(patch, after_charging=True)
        assert sending.send_charge(deposit.pk) == "unknown"

    # A retried task finds the row claimed: only the sweep decides what became of the attempt.
    assert sending.send_charge(deposit.pk) == "skipped"
    assert reconcile.reconcile(now=after_claim_timeout())["charges_settled"] == 1

    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SUCCEEDED, 1)
    assert [i["status"] for i in intents_of(deposit, payments_on)] == ["succeeded"]


def test_two_beats_at_once_never_send_a_charge_twice(
    therapist: Therapist,
    massage_type: MassageType,
    payments_on: str,
    policy: Policy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deposits = deposits_of(9, therapist, massage_type, payments_on)
    answer_lost, never_sent, never_handed = deposits[:3], deposits[3:6], deposits[6:]
    with monkeypatch.context() as patch:
        stripe_fails(patch, after_charging=True)
        assert [sending.send_charge(d.pk) for d in answer_lost] == ["unknown"] * 3
    with monkeypatch.context() as patch:
        stripe_fails(patch, after_charging=False)
        assert [sending.send_charge(d.pk) for d in never_sent] == ["unknown"] * 3

    # Both beats run once the claims are stale, on one clock with the workers they hand rows to.
    with time_machine.travel(after_claim_timeout(), tick=True), tasks_run_inline():
        results = in_threads(reconcile.reconcile, reconcile.reconcile)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["charges_settled"] for r in results) == 3
    assert sum(r["charges_resent"] for r in results) == 3
    for group, attempts in ((answer_lost, 1), (never_sent, 2), (never_handed, 1)):
        for deposit in group:
            deposit.refresh_from_db()
            assert (deposit.state, deposit.attempts) == (ChargeState.SUCCEEDED, attempts)
            (intent,) = intents_of(deposit, payments_on)
            assert (intent["status"], intent["metadata"]["attempt"]) == ("succeeded", str(attempts))
            receipts = Notification.objects.filter(appointment=deposit.appointment, kind=NotificationKind.RECEIPT)
            assert receipts.count() == 1
    # A third beat later finds nothing to do.
    assert set(reconcile.reconcile(now=after_claim_timeout()).values()) == {0}


def test_a_sweep_leaves_a_fresh_claim_alone(
    therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    (deposit,) = deposits_of(1, therapist, massage_type, payments_on)
    with monkeypatch.context() as patch:
        stripe_fails(patch, after_charging=False)
        sending.send_charge(deposit.pk)
    deposit.refresh_from_db()
    claimed_at: datetime = deposit.claimed_at  # type: ignore[assignment]

    counts = reconcile.reconcile(now=claimed_at + (after_claim_timeout() - claimed_at) / 2)

    assert counts["charges_resent"] == counts["charges_settled"] == 0
    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SENDING, 1)


def test_a_cancellation_racing_the_deposits_settlement_never_keeps_the_money(
    therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    deposits = deposits_of(6, therapist, massage_type, payments_on)
    # Stripe's answer reaches the worker at the moment the patient cancels.
    at_once = {str(d.pk): threading.Barrier(2, timeout=30) for d in deposits}
    original = PaymentIntentService.create

    def answered_as_the_patient_cancels(self: PaymentIntentService, params: Any, options: Any = None) -> Any:
        intent = original(self, params, options)
        at_once[params["metadata"]["charge"]].wait()
        return intent

    monkeypatch.setattr(PaymentIntentService, "create", answered_as_the_patient_cancels)

    def cancel(deposit: Charge) -> Any:
        at_once[str(deposit.pk)].wait()
        return services.cancel(appointment=deposit.appointment, by=deposit.appointment.patient, now=PINNED_NOW)

    for deposit in deposits:
        sent, cancelled = in_threads(partial(sending.send_charge, deposit.pk), partial(cancel, deposit))
        assert sent == "succeeded", sent
        assert not isinstance(cancelled, Exception), cancelled

    for deposit in deposits:
        deposit.refresh_from_db()
        assert deposit.state == ChargeState.SUCCEEDED
        (refund,) = Refund.objects.filter(charge=deposit)
        assert refund.amount == deposit.amount


def test_a_worker_stalled_past_the_sweeps_reach_does_not_call_stripe(
    therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy, settings: Any
) -> None:
    (deposit,) = deposits_of(1, therapist, massage_type, payments_on)
    # A claim timeout no longer than one call: any pause after the claim could let the sweep take over mid-call.
    settings.PAYMENTS_CLAIM_TIMEOUT = timedelta(seconds=gateway.CALL_TIMEOUT_SECONDS)

    assert sending.send_charge(deposit.pk) == "unknown"

    assert intents_of(deposit, payments_on) == []
    deposit.refresh_from_db()
    assert (deposit.state, deposit.attempts) == (ChargeState.SENDING, 1)
