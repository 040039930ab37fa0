"""The one place that talks to Stripe: our ids and integer minor units out, what Stripe answered back.

Nothing about a patient's health, nor their name, goes to Stripe: metadata carries our ids
only. Every call that moves money carries an idempotency key, and carries our ids in its
metadata so that a call whose answer was lost (a worker killed before it recorded it) can
be found again; localstripe ignores the keys, so our own rows are the real guard.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

# Currencies Stripe takes without a minor unit (amounts are whole units there).
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}

CardError = stripe.CardError
StripeError = stripe.StripeError
BadSignature = stripe.SignatureVerificationError

# The longest one call to Stripe may take. A claim older than PAYMENTS_CLAIM_TIMEOUT is taken
# over by the sweep, so the timeout must be well above this: a call still on its way when the
# sweep looks would be sent a second time.
CALL_TIMEOUT_SECONDS = 20
# How long before its charge row an attempt's PaymentIntent is still looked for: our clock and
# Stripe's may disagree, and a PaymentIntent missed would be sent again. A day of the clinic's
# PaymentIntents is a page or two.
LOOK_BACK = timedelta(days=1)
# How old a webhook's signed timestamp may be (Stripe's own default): an older one is a replay.
WEBHOOK_TOLERANCE_SECONDS = 300


def minor_units(amount: Decimal, currency: str) -> int:
    """Return the amount in the currency's smallest unit, as Stripe takes it (45.00 USD -> 4500)."""
    exponent = 0 if currency.lower() in ZERO_DECIMAL else 2
    value = amount.scaleb(exponent)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {currency.upper()} allows.")
    return int(value)


def from_minor_units(amount: int, currency: str) -> Decimal:
    """Return Stripe's integer amount as a Decimal in the currency's major unit."""
    exponent = 0 if currency.lower() in ZERO_DECIMAL else 2
    return Decimal(amount).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def client() -> stripe.StripeClient:
    """Return a Stripe client for the configured key and API address."""
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,  # our tasks retry, with the same key
        http_client=stripe.RequestsClient(timeout=CALL_TIMEOUT_SECONDS),
    )


@dataclass(frozen=True)
class CardDetails:
    provider_id: str
    customer: str | None
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


@dataclass(frozen=True)
class Intent:
    """What Stripe says of one PaymentIntent."""

    provider_id: str
    status: str  # succeeded, processing, requires_payment_method, requires_action, canceled, ...
    client_secret: str
    failure_message: str
    metadata: dict[str, str]


def _plain(obj: Any) -> dict[str, Any]:
    """Return a Stripe object as plain nested dicts."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _intent(obj: Any) -> Intent:
    obj = _plain(obj)
    error = obj.get("last_payment_error") or {}
    return Intent(
        provider_id=obj["id"],
        status=obj["status"],
        client_secret=obj.get("client_secret") or "",
        failure_message=(error.get("message") or "")[:300] if isinstance(error, dict) else "",
        metadata=dict(obj.get("metadata") or {}),
    )


def create_customer(*, user_id: int) -> str:
    """Create the patient's customer at Stripe (our user id only) and return its id."""
    customer = client().v1.customers.create(
        params={"metadata": {"user": str(user_id)}}, options={"idempotency_key": f"clinic-customer-{user_id}"}
    )
    return str(customer.id)


def create_setup_intent(*, customer: str, user_id: int) -> tuple[str, str]:
    """Start saving a card for off-session charges; return the SetupIntent's id and client secret."""
    intent = client().v1.setup_intents.create(
        params={
            "customer": customer,
            "usage": "off_session",
            "metadata": {"user": str(user_id)},
        }
    )
    return str(intent.id), str(intent.client_secret)


def confirmed_card(*, setup_intent: str) -> tuple[str, str, CardDetails]:
    """Return the SetupIntent's customer and status, and the card it saved."""
    api = client().v1
    intent = _plain(api.setup_intents.retrieve(setup_intent))
    method_id = intent.get("payment_method")
    if not method_id:
        raise ValueError("The card was not saved.")
    method = _plain(api.payment_methods.retrieve(str(method_id)))
    card = method.get("card") or {}
    details = CardDetails(
        provider_id=str(method["id"]),
        customer=method.get("customer"),
        brand=str(card.get("brand") or ""),
        last4=str(card.get("last4") or ""),
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )
    return str(intent.get("customer") or ""), str(intent["status"]), details


def attach_card(*, card: str, customer: str) -> None:
    """Attach the card to the customer (Stripe does so itself; localstripe leaves it to us)."""
    client().v1.payment_methods.attach(card, params={"customer": customer})


def detach_card(*, card: str) -> None:
    """Forget the card at Stripe: it can never be charged again."""
    client().v1.payment_methods.detach(card)


def charge_off_session(
    *, amount: Decimal, currency: str, customer: str, card: str, metadata: dict[str, str], idempotency_key: str
) -> Intent:
    """Charge the saved card now, the patient absent; raise CardError when it is declined."""
    intent = client().v1.payment_intents.create(
        params={
            "amount": minor_units(amount, currency),
            "currency": currency,
            "customer": customer,
            "payment_method": card,
            "confirm": True,
            "off_session": True,
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )
    return _intent(intent)


def start_on_session(
    *, amount: Decimal, currency: str, customer: str, metadata: dict[str, str], idempotency_key: str
) -> Intent:
    """Create a PaymentIntent the patient confirms in their browser (paying an owed fee now)."""
    intent = client().v1.payment_intents.create(
        params={
            "amount": minor_units(amount, currency),
            "currency": currency,
            "customer": customer,
            "metadata": metadata,
        },
        options={"idempotency_key": idempotency_key},
    )
    return _intent(intent)


def retrieve_intent(provider_id: str) -> Intent:
    """Return what Stripe says of the PaymentIntent now."""
    return _intent(client().v1.payment_intents.retrieve(provider_id))


def paid_card_last4(provider_id: str) -> str:
    """Return the last four digits of the card the PaymentIntent was paid with ('' if Stripe names none)."""
    api = client().v1
    method_id = _plain(api.payment_intents.retrieve(provider_id)).get("payment_method")
    if not method_id:
        return ""
    card = _plain(api.payment_methods.retrieve(str(method_id))).get("card") or {}
    return str(card.get("last4") or "")


def cancel_intent(provider_id: str) -> None:
    """Cancel a PaymentIntent nobody has paid, so that it can never be paid."""
    client().v1.payment_intents.cancel(provider_id)


def find_intent(*, charge_id: int, attempt: int, since: datetime) -> Intent | None:
    """Return the PaymentIntent made for this attempt at the charge, if Stripe has one.

    `since` is when the charge row was written: no attempt at it is older. Stripe lists
    PaymentIntents newest first, so the scan stops at the first one created more than
    LOOK_BACK before that, rather than reading the account's whole history.

    Not the search API: it lags behind writes (up to a minute, Stripe says, longer in an
    outage), and "not found" here sends the attempt again, a second charge if it had been
    made. Not a `customer` or `created` filter on the list: localstripe, which the suite
    runs against, takes neither for PaymentIntents (only limit and starting_after; it has
    no search either). It also lists them oldest first, so an old PaymentIntent ends the
    scan only once the list has been seen to go back in time (a later item strictly older
    than the one before it): in Stripe's order that is the first old one or the one after,
    in localstripe's the old ones are passed over and the scan reads to the end.
    """
    oldest = int((since - LOOK_BACK).timestamp())
    before: int | None = None
    for found in client().v1.payment_intents.list(params={"limit": 100}).auto_paging_iter():
        obj = _plain(found)
        created = int(obj["created"])
        descending = before is not None and created < before
        before = created
        if created < oldest:
            if descending:
                return None
            continue
        metadata = obj.get("metadata") or {}
        if metadata.get("charge") == str(charge_id) and metadata.get("attempt") == str(attempt):
            return _intent(obj)
    return None


def refund(
    *, payment_intent: str, amount: Decimal, currency: str, refund_id: int, idempotency_key: str
) -> tuple[str, str]:
    """Refund part or all of a payment; return the refund's id and status."""
    made = client().v1.refunds.create(
        params={
            "payment_intent": payment_intent,
            "amount": minor_units(amount, currency),
            "metadata": {"refund": str(refund_id)},
        },
        options={"idempotency_key": idempotency_key},
    )
    return str(made.id), str(made.status)


def find_refund(*, payment_intent: str, refund_id: int) -> tuple[str, str] | None:
    """Return the refund made for our refund row, if Stripe has one."""
    listed = client().v1.refunds.list(params={"payment_intent": payment_intent, "limit": 100})
    for found in listed.auto_paging_iter():
        obj = _plain(found)
        if (obj.get("metadata") or {}).get("refund") == str(refund_id):
            return str(obj["id"]), str(obj["status"])
    return None


def verified_event(*, payload: bytes, signature: str) -> dict[str, Any]:
    """Return the event as plain JSON if Stripe signed it with our secret within the tolerance; raise BadSignature."""
    text = payload.decode("utf-8", "replace")  # a body that is not UTF-8 fails the HMAC below
    stripe.WebhookSignature.verify_header(text, signature, settings.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS)
    # Stripe's check refuses old timestamps only; one from the future is no fresher.
    stamp = next((part[2:] for part in signature.split(",") if part.startswith("t=")), "")
    if not stamp.isdigit() or int(stamp) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
        raise BadSignature("Timestamp outside the tolerance zone", signature, text)
    event = json.loads(text)
    if not isinstance(event, dict):
        raise ValueError("An event is a JSON object.")
    return event
