"""Stripe's webhooks against localstripe: signed events settle the ledger once; forged or replayed ones change nothing.

The events are the ones localstripe itself would send (its PaymentIntents, as it exports
them), signed as Stripe signs: `t=<timestamp>,v1=<HMAC-SHA256 of "t.payload">`. One test
lets localstripe deliver the event to a live server on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer
from stripe._payment_intent_service import PaymentIntentService

from audit.models import Event, Kind
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.celery import app as celery_app
from clinic.models import User
from payments import reconcile, sending
from payments.models import Card, Charge, ChargeKind, ChargeState, Policy, Refund, RefundState, WebhookEvent
from tests import localstripe as fake_stripe
from tests.factories import UserFactory
from tests.payments.conftest import save_card
from tests.payments.test_crash import WED_10, after_claim_timeout, booked_deposit, intents_of, run_worker_killed
from therapists.models import Therapist

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/payments/webhook/"


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    # Bookings hand their charges to the broker on commit; no worker takes them here.
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def signed(
    event: dict[str, Any], *, secret: str = fake_stripe.WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, str]:
    """Return the body and the Stripe-Signature header Stripe would send for the event."""
    payload = json.dumps(event, indent=2, sort_keys=True).encode()
    stamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d." % stamp + payload, hashlib.sha256).hexdigest()
    return payload, f"t={stamp},v1={mac}"


def deliver(client: Client, event: dict[str, Any], **signing: Any) -> Any:
    payload, signature = signed(event, **signing)
    return client.post(URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def event_of(obj: dict[str, Any], kind: str, *, event_id: str | None = None) -> dict[str, Any]:
    """Wrap a Stripe object in an event as localstripe sends them."""
    return {
        "id": event_id or f"evt_{obj['id']}_{kind}",
        "object": "event",
        "api_version": "2017-08-15",
        "created": int(time.time()),
        "type": kind,
        "data": {"object": obj},
    }


def notices(appointment: Appointment, kind: str) -> int:
    return Notification.objects.filter(appointment=appointment, kind=kind).count()


def paid_events(charge: Charge) -> int:
    return Event.objects.filter(kind=Kind.CHARGE_PAID, data__charge=charge.pk).count()


@pytest.fixture
def unsettled(patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str) -> Charge:
    """A deposit Stripe charged while its worker died before recording it (a real SIGKILLed process)."""
    deposit = booked_deposit(patient, therapist, massage_type)
    run_worker_killed(deposit, kill_at="after_stripe", stripe_base=payments_on)
    deposit.refresh_from_db()
    assert deposit.state == ChargeState.SENDING
    return deposit


def test_a_signed_payment_succeeded_event_settles_the_charge_and_a_second_delivery_changes_nothing(
    unsettled: Charge, payments_on: str
) -> None:
    (intent,) = intents_of(unsettled, payments_on)
    event = event_of(intent, "payment_intent.succeeded")
    client = Client()

    first = deliver(client, event)
    again = deliver(client, event)

    assert (first.status_code, first.json()) == (200, {"received": True, "duplicate": False})
    assert (again.status_code, again.json()) == (200, {"received": True, "duplicate": True})
    unsettled.refresh_from_db()
    assert (unsettled.state, unsettled.provider_id, unsettled.attempts) == (ChargeState.SUCCEEDED, intent["id"], 1)
    (row,) = WebhookEvent.objects.all()
    assert (row.event_id, row.type, row.object_id) == (event["id"], "payment_intent.succeeded", intent["id"])
    assert row.outcome == f"charge {unsettled.pk} attempt 1 settled: succeeded"
    assert notices(unsettled.appointment, NotificationKind.RECEIPT) == 1
    assert paid_events(unsettled) == 1
    # Stripe's own retry of the event under a new id, and the sweep after it: settled already.
    assert deliver(client, {**event, "id": "evt_retried"}).json()["duplicate"] is False
    assert reconcile.reconcile(now=after_claim_timeout())["charges_settled"] == 0
    assert (
        WebhookEvent.objects.get(event_id="evt_retried").outcome == f"charge {unsettled.pk} attempt 1 already settled"
    )
    assert notices(unsettled.appointment, NotificationKind.RECEIPT) == 1
    assert paid_events(unsettled) == 1


def test_an_event_with_a_wrong_or_missing_signature_is_refused_and_nothing_is_stored(
    unsettled: Charge, payments_on: str
) -> None:
    (intent,) = intents_of(unsettled, payments_on)
    event = event_of(intent, "payment_intent.succeeded")
    client = Client()

    forged = deliver(client, event, secret="whsec_someone_else")
    payload, _ = signed(event)
    unsigned = client.post(URL, payload, content_type="application/json")
    payload, signature = signed(event)
    tampered = client.post(
        URL,
        payload.replace(b"succeeded", b"succeedex"),
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )

    for response in (forged, unsigned, tampered):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_signature"
    assert not WebhookEvent.objects.exists()
    unsettled.refresh_from_db()
    assert unsettled.state == ChargeState.SENDING


def test_a_replayed_event_signed_long_ago_is_refused(unsettled: Charge, payments_on: str) -> None:
    (intent,) = intents_of(unsettled, payments_on)
    event = event_of(intent, "payment_intent.succeeded")
    now = int(time.time())

    replayed = deliver(Client(), event, at=now - 301)
    from_the_future = deliver(Client(), event, at=now + 301)

    assert replayed.status_code == from_the_future.status_code == 400
    assert replayed.json() == {
        "error": {
            "code": "bad_signature",
            "message": "The Stripe-Signature header does not match, or it is too old.",
            "fields": {},
        }
    }
    assert not WebhookEvent.objects.exists()
    unsettled.refresh_from_db()
    assert unsettled.state == ChargeState.SENDING
    # Inside the tolerance the same event is taken.
    assert deliver(Client(), event, at=now - 200).status_code == 200
    unsettled.refresh_from_db()
    assert unsettled.state == ChargeState.SUCCEEDED


def test_an_unknown_event_type_is_stored_and_changes_nothing(unsettled: Charge, payments_on: str) -> None:
    (intent,) = intents_of(unsettled, payments_on)

    response = deliver(Client(), event_of(intent, "payment_intent.amount_capturable_updated"))

    assert response.status_code == 200
    (row,) = WebhookEvent.objects.all()
    assert (row.type, row.outcome) == ("payment_intent.amount_capturable_updated", "ignored")
    unsettled.refresh_from_db()
    assert unsettled.state == ChargeState.SENDING


def test_the_webhook_is_not_there_when_online_payments_are_off(settings: Any, db: None) -> None:
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = deliver(Client(), {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not WebhookEvent.objects.exists()


def test_a_declined_charge_and_stripes_failure_event_leave_one_payment_due_notice(
    patient: User, therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy
) -> None:
    save_card(patient, payments_on, number=fake_stripe.DECLINED_ON_CHARGE)
    deposit = booked_deposit(patient, therapist, massage_type)

    assert sending.send_charge(deposit.pk) == "failed"
    (intent,) = intents_of(deposit, payments_on)
    response = deliver(Client(), event_of(intent, "payment_intent.payment_failed"))

    assert response.status_code == 200
    deposit.refresh_from_db()
    assert deposit.state == ChargeState.FAILED
    assert list(Charge.objects.owed()) == [deposit]
    assert notices(deposit.appointment, NotificationKind.PAYMENT_DUE) == 1
    assert WebhookEvent.objects.get().outcome == f"charge {deposit.pk} attempt 1 already settled"


def test_a_refund_event_settles_a_refund_whose_worker_died(
    patient: User, therapist: Therapist, massage_type: MassageType, card: Card, admin_user: User, payments_on: str
) -> None:
    from payments import services as payment_services

    deposit = booked_deposit(patient, therapist, massage_type)
    assert sending.send_charge(deposit.pk) == "succeeded"
    deposit.refresh_from_db()
    refund = payment_services.refund(charge=deposit, by=admin_user, reason="Goodwill")
    run_worker_killed(refund, kill_at="after_stripe", stripe_base=payments_on)
    listed = fake_stripe.client(payments_on).v1.refunds.list(params={"payment_intent": deposit.provider_id or ""})
    (given,) = [r.to_dict() for r in listed.auto_paging_iter()]

    response = deliver(Client(), event_of(given, "refund.updated"))

    assert response.status_code == 200
    refund.refresh_from_db()
    assert (refund.state, refund.provider_id) == (RefundState.SUCCEEDED, given["id"])
    assert reconcile.reconcile(now=after_claim_timeout())["refunds_settled"] == 0
    assert Refund.objects.count() == 1


def test_the_worker_and_a_webhook_racing_settle_each_charge_once(
    therapist: Therapist, massage_type: MassageType, payments_on: str, policy: Policy, monkeypatch: Any
) -> None:
    # Stripe's event may land before the worker records Stripe's answer, after it, or at the
    # same instant: Stripe's answer is held (in the worker's thread) until the order is set up.
    orders = ("webhook first", "worker first", "together", "together", "webhook first", "together")
    deposits = []
    for n, order in enumerate(orders):
        person: User = UserFactory.create(email=f"racer{n}@example.test")
        save_card(person, payments_on)
        start = WED_10.replace(day=4 + n // 4, hour=(9, 11, 13, 15)[n % 4])
        deposits.append((booked_deposit(person, therapist, massage_type, start=start), order))
    made: dict[str, queue.Queue[dict[str, Any]]] = {str(d.pk): queue.Queue() for d, _ in deposits}
    delivered = {str(d.pk): threading.Event() for d, _ in deposits}
    together = {str(d.pk): threading.Barrier(2, timeout=30) for d, _ in deposits}
    order_of = {str(d.pk): order for d, order in deposits}
    original = PaymentIntentService.create

    def answered_by_stripe(self: PaymentIntentService, params: Any, options: Any = None) -> Any:
        intent = original(self, params, options)
        charge = params["metadata"]["charge"]
        made[charge].put(intent.to_dict())
        if order_of[charge] == "webhook first":
            assert delivered[charge].wait(timeout=30)
        elif order_of[charge] == "together":
            together[charge].wait()
        return intent

    monkeypatch.setattr(PaymentIntentService, "create", answered_by_stripe)
    answers: dict[str, list[Any]] = {"worker": [], "webhook": []}

    def worker() -> None:
        try:
            for deposit, _ in deposits:
                answers["worker"].append(sending.send_charge(deposit.pk))
        finally:
            connection.close()

    def webhook() -> None:
        try:
            for deposit, order in deposits:
                key = str(deposit.pk)
                event = event_of(made[key].get(timeout=30), "payment_intent.succeeded")
                if order == "worker first":
                    deadline = time.monotonic() + 30
                    while Charge.objects.get(pk=deposit.pk).state == ChargeState.SENDING:
                        assert time.monotonic() < deadline
                        time.sleep(0.01)
                elif order == "together":
                    together[key].wait()
                answers["webhook"].append(deliver(Client(), event).status_code)
                delivered[key].set()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker), threading.Thread(target=webhook)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert answers == {"worker": ["succeeded"] * len(orders), "webhook": [200] * len(orders)}
    settled_by_webhook = set()
    for deposit, order in deposits:
        deposit.refresh_from_db()
        assert (deposit.state, deposit.attempts) == (ChargeState.SUCCEEDED, 1)
        assert [i["status"] for i in intents_of(deposit, payments_on)] == ["succeeded"]
        assert notices(deposit.appointment, NotificationKind.RECEIPT) == 1
        assert paid_events(deposit) == 1
        outcome = WebhookEvent.objects.get(object_id=deposit.provider_id).outcome
        if outcome.endswith("settled: succeeded"):
            settled_by_webhook.add(order)
        else:
            assert outcome.endswith("already settled")
    assert "webhook first" in settled_by_webhook
    assert "worker first" not in settled_by_webhook


@pytest.fixture
def webhooks_to(live_server: LiveServer, payments_on: str) -> Iterator[str]:
    """localstripe posts every event to the live server while the test runs, and to nowhere after it."""
    url = f"{live_server.url}{reverse('payments:webhook')}"
    fake_stripe.register_webhook(payments_on, url=url)
    yield url
    requests.post(
        f"{payments_on}/_config/webhooks/clinic",
        json={"url": url, "secret": fake_stripe.WEBHOOK_SECRET, "events": ["clinic.none"]},
        timeout=5,
    ).raise_for_status()


def test_localstripe_itself_delivers_the_event_that_settles_a_charge_whose_worker_died(
    webhooks_to: str, patient: User, therapist: Therapist, massage_type: MassageType, card: Card, payments_on: str
) -> None:
    deposit = booked_deposit(patient, therapist, massage_type)

    run_worker_killed(deposit, kill_at="after_stripe", stripe_base=payments_on)

    deadline = time.monotonic() + 30
    while Charge.objects.get(pk=deposit.pk).state == ChargeState.SENDING and time.monotonic() < deadline:
        time.sleep(0.1)
    deposit.refresh_from_db()
    (intent,) = intents_of(deposit, payments_on)
    assert (deposit.state, deposit.provider_id) == (ChargeState.SUCCEEDED, intent["id"])
    row = WebhookEvent.objects.get(type="payment_intent.succeeded", object_id=intent["id"])
    assert row.event_id.startswith("evt_")
    assert row.outcome == f"charge {deposit.pk} attempt 1 settled: succeeded"
    assert reconcile.reconcile(now=after_claim_timeout())["charges_settled"] == 0
    assert notices(deposit.appointment, NotificationKind.RECEIPT) == 1
    assert Charge.objects.filter(appointment=deposit.appointment, kind=ChargeKind.DEPOSIT).count() == 1
