"""Saving and removing a patient's card: a SetupIntent for off-session use, confirmed in Stripe's own field."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import locks
from booking.exceptions import InvalidBooking, NotAllowed, PolicyRefused
from clinic.models import User
from payments import gateway, policy
from payments.models import Card, Customer


@dataclass(frozen=True)
class Setup:
    client_secret: str
    publishable_key: str


def _customer_of(user: User) -> Customer:
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    provider_id = gateway.create_customer(user_id=user.pk)
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, provider_id=provider_id)
    except IntegrityError:
        # Two tabs at once: the idempotency key gave both the same customer at Stripe.
        return Customer.objects.get(user=user)


def start_setup(*, user: User) -> Setup:
    """Start saving a card for the signed-in patient; return what Stripe.js needs to show the card field."""
    if not policy.online_payments_on():
        raise PolicyRefused("The clinic does not take cards online.", code="payments_off")
    if user.is_staff:
        raise NotAllowed("Cards are saved by patients, in their own account.")
    customer = _customer_of(user)
    _, client_secret = gateway.create_setup_intent(customer=customer.provider_id, user_id=user.pk)
    return Setup(client_secret=client_secret, publishable_key=settings.STRIPE_PUBLISHABLE_KEY)


@transaction.atomic
def save_card(*, user: User, setup_intent: str, now: datetime | None = None) -> Card:
    """Keep the card the patient confirmed in Stripe's field (it replaces the one saved before)."""
    now = now or timezone.now()
    customer = Customer.objects.filter(user=user).first()
    if customer is None or not setup_intent.startswith("seti_"):
        raise InvalidBooking("Save the card again, please.", fields={"setup_intent": "Unknown card setup."})
    try:
        intent_customer, status, details = gateway.confirmed_card(setup_intent=setup_intent)
    except (gateway.StripeError, ValueError) as exc:
        raise InvalidBooking("The card was not saved.", fields={"setup_intent": "Unknown card setup."}) from exc
    if intent_customer != customer.provider_id:
        raise InvalidBooking("Save the card again, please.", fields={"setup_intent": "Unknown card setup."})
    if status != "succeeded":
        raise InvalidBooking("The card was not confirmed.", fields={"card": "Check the card's details and try again."})
    if details.customer is None:
        gateway.attach_card(card=details.provider_id, customer=customer.provider_id)
    elif details.customer != customer.provider_id:
        raise InvalidBooking("Save the card again, please.", fields={"setup_intent": "Unknown card setup."})
    locks.lock_patient(user.pk)
    existing = Card.objects.filter(provider_id=details.provider_id).first()
    if existing is not None and existing.removed_at is None:
        return existing
    Card.objects.filter(user=user, removed_at__isnull=True).update(removed_at=now)
    card = Card.objects.create(
        user=user,
        provider_id=details.provider_id,
        brand=details.brand,
        last4=details.last4,
        exp_month=details.exp_month,
        exp_year=details.exp_year,
        created_at=now,
    )
    history.record(
        Kind.CARD_SAVED, summary=f"Saved {card}", by=user, patient_id=user.pk, data={"card": card.pk}, at=now
    )
    return card


@transaction.atomic
def remove_card(*, user: User, card: Card, now: datetime | None = None) -> Card:
    """Stop using the patient's saved card and forget it at Stripe."""
    now = now or timezone.now()
    if card.user_id != user.pk:
        raise NotAllowed("This is not your card.")
    updated = Card.objects.filter(pk=card.pk, removed_at__isnull=True).update(removed_at=now)
    if updated:
        history.record(
            Kind.CARD_REMOVED, summary=f"Removed {card}", by=user, patient_id=user.pk, data={"card": card.pk}, at=now
        )
        provider_id = card.provider_id
        transaction.on_commit(lambda: _detach_quietly(provider_id))
    card.refresh_from_db()
    return card


def _detach_quietly(provider_id: str) -> None:
    # Not used by us any more either way: a failed detach leaves Stripe holding an idle card.
    with contextlib.suppress(gateway.StripeError):
        gateway.detach_card(card=provider_id)
