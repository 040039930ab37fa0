"""What the patient's pages show of payments: the booking page's policy and card step, and the account's money.

Read-only: the pages' scripts save cards and pay through the API (payments.api). With
online payments off both answer nothing and read nothing, so the pages are as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse

from booking.api.payment_fields import PaymentSide
from booking.models import Appointment, MassageType
from clinic.models import User
from payments import appointment_fields, policy, services
from payments.models import Card, Charge, ChargeState


def booking_step(user: User | Any, massage_types: Sequence[MassageType]) -> dict[str, Any] | None:
    """Return the booking page script's payment settings: each massage's policy, whether a card is asked for."""
    if not policy.online_payments_on():
        return None
    in_force = policy.current_policy()
    card = policy.saved_card(user.pk) if user.is_authenticated else None
    quotes = {kind.pk: policy.quote(kind, policy=in_force) for kind in massage_types}
    return {
        "publishableKey": settings.STRIPE_PUBLISHABLE_KEY,
        "card": {"brand": card.brand, "last4": card.last4} if card else None,
        "types": {
            str(pk): {"asksForCard": quote.asks_for_card, "policy": quote.sentences()} for pk, quote in quotes.items()
        },
    }


def needs_card_field(step: dict[str, Any] | None, user: User | Any) -> bool:
    """Return whether the booking page may have to show Stripe's card field (so it loads Stripe.js)."""
    if step is None or not user.is_authenticated or step["card"] is not None:
        return False
    return any(kind["asksForCard"] for kind in step["types"].values())


def policy_of(appointment: Appointment) -> list[str]:
    """Return the payment policy the appointment was booked under, in sentences ([] without online payments)."""
    if not policy.online_payments_on():
        return []
    terms = policy.terms_of(appointment)
    return policy.quote_of(terms).sentences() if terms else []


@dataclass(frozen=True)
class Line:
    """One charge as the account lists it."""

    charge: Charge
    title: str  # "Deposit of $18.00"
    url: str  # pay now, or the receipt


@dataclass(frozen=True)
class Account:
    online: bool
    card: Card | None = None
    owed: list[Line] = field(default_factory=list)
    receipts: list[Line] = field(default_factory=list)
    sides: dict[int, PaymentSide] = field(default_factory=dict)


def account(user: User, appointments: Sequence[Appointment], *, now: datetime) -> Account:
    """Return the patient's card, what they owe (with the pay-now link), their receipts and each session's terms."""
    charges = list(Charge.objects.for_patient(user.pk).select_related("appointment__massage_type"))
    online = policy.online_payments_on()
    if not online and not charges:
        return Account(online=False)
    owed = [
        Line(charge, policy.describe(charge), reverse("payments:pay", args=[charge.pk]))
        for charge in services.owed(user.pk)
        # Declined: the patient's to pay. The others are being charged, or wait for the clinic's decision.
        if charge.state == ChargeState.FAILED
    ]
    receipts = [
        Line(charge, policy.describe(charge), reverse("payments:receipt", args=[charge.pk]))
        for charge in charges
        if charge.state == ChargeState.SUCCEEDED
    ]
    return Account(
        online=online,
        card=policy.saved_card(user.pk) if online else None,
        owed=owed,
        receipts=receipts,
        sides=appointment_fields.describe(appointments, now),
    )
