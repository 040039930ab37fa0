"""Paying an owed charge online, the patient present: an on-session PaymentIntent confirmed by Stripe.js.

`begin` claims the declined charge (failed -> sending, a new attempt) and opens a
PaymentIntent for it; the page confirms it in Stripe's own card field; `finish` asks Stripe
how that went and settles the row through `payments.sending.settle_charge`, with or without
a webhook (whichever comes first settles it, once). One attempt has one open PaymentIntent:
a page reloaded resumes it, and a new attempt first cancels the previous one, so that an old
tab can never pay the same charge a second time. A patient who leaves the page is owed again
once the sweep finds the attempt unfinished.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit import log as history
from audit.models import Kind
from booking import locks
from booking.exceptions import InvalidTransition, NotAllowed, PolicyRefused
from clinic.models import User
from payments import cards, gateway, policy, sending
from payments.gateway import Intent
from payments.models import Charge, ChargeState, Method

# PaymentIntent states in which the patient can still confirm it with a card.
OPEN = ("requires_payment_method", "requires_confirmation", "requires_action")


@dataclass(frozen=True)
class Payment:
    """What the page's Stripe.js needs to confirm the payment."""

    charge_id: int
    client_secret: str
    publishable_key: str
    amount: Decimal
    currency: str


def _refused_unless_payable(charge: Charge, user: User) -> None:
    if not policy.online_payments_on():
        raise PolicyRefused("The clinic does not take cards online.", code="payments_off")
    if charge.appointment.patient_id != user.pk:
        raise NotAllowed("This is not your charge.")
    if charge.state == ChargeState.SUCCEEDED:
        raise InvalidTransition("This has been paid. Thank you.")
    if charge.state == ChargeState.WAIVED:
        raise InvalidTransition("The clinic has waived this charge: there is nothing to pay.")
    if charge.state == ChargeState.AWAITING_APPROVAL:
        raise InvalidTransition("This fee waits for the clinic's decision: there is nothing to pay yet.")
    if charge.state == ChargeState.PENDING:
        raise InvalidTransition("This is being charged to your saved card: please check again in a minute.")


def _metadata(charge: Charge) -> dict[str, str]:
    # The keys the sweep finds an attempt by (payments.gateway.find_intent), as for off-session charges.
    return {
        "charge": str(charge.pk),
        "attempt": str(charge.attempts),
        "appointment": str(charge.appointment_id),
        "kind": charge.kind,
    }


def _payment(charge: Charge, intent: Intent) -> Payment:
    return Payment(
        charge_id=charge.pk,
        client_secret=intent.client_secret,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        amount=charge.total,
        currency=charge.currency,
    )


def _settle_from(charge: Charge, intent: Intent, *, now: datetime) -> Charge:
    """Move the charge to what Stripe says of its PaymentIntent; return the charge as it is then."""
    if intent.status == "succeeded":
        last4 = _paid_card_last4(intent.provider_id)
        with transaction.atomic():
            # The appointment first, then the charge: the order settle_charge, cancel and the
            # outcome take them in, so a pay-now finishing during a cancellation cannot deadlock.
            locks.lock_appointment(charge.appointment_id)
            # The sweep may have given up on an attempt the patient was slow to finish.
            Charge.objects.filter(pk=charge.pk, state=ChargeState.FAILED, provider_id=intent.provider_id).update(
                state=ChargeState.SENDING, claimed_at=now, updated_at=now
            )
            if last4:
                Charge.objects.filter(pk=charge.pk, provider_id=intent.provider_id).update(card_last4=last4)
            attempts = Charge.objects.values_list("attempts", flat=True).get(pk=charge.pk)
            sending.settle_charge(
                charge.pk, attempt=attempts, status="succeeded", provider_id=intent.provider_id, now=now
            )
    elif intent.status == "processing" or (intent.status == "requires_payment_method" and intent.failure_message):
        sending.settle_charge(
            charge.pk,
            attempt=charge.attempts,
            status=intent.status,
            provider_id=intent.provider_id,
            message=intent.failure_message,
            now=now,
        )
    charge.refresh_from_db()
    return charge


def _paid_card_last4(provider_id: str) -> str:
    try:
        return gateway.paid_card_last4(provider_id)
    except gateway.StripeError:
        return ""  # the receipt then names the method without the digits


def _known_intent(charge: Charge) -> Intent | None:
    """Return the PaymentIntent of the charge's last attempt, if Stripe has it."""
    if not charge.provider_id:
        return None
    intent = gateway.retrieve_intent(charge.provider_id)
    return intent if intent.metadata.get("charge") == str(charge.pk) else None


@transaction.atomic
def _claim(charge: Charge, *, by: User, now: datetime) -> Charge | None:
    """Claim a declined charge for a new attempt paid online; None if someone else moved it first."""
    claimed = Charge.objects.filter(pk=charge.pk, state=ChargeState.FAILED).update(
        state=ChargeState.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        method=Method.ONLINE_CARD,
        card=None,
        card_last4="",
        updated_at=now,
    )
    if not claimed:
        return None
    charge.refresh_from_db()
    history.record(
        Kind.CHARGE_OWED,
        summary=f"{policy.describe(charge)}: paying online (attempt {charge.attempts})",
        by=by,
        appointment_id=charge.appointment_id,
        patient_id=charge.appointment.patient_id,
        therapist_id=charge.appointment.therapist_id,
        data={"charge": charge.pk, "attempt": charge.attempts},
        at=now,
    )
    return charge


def begin(*, user: User, charge: Charge, now: datetime | None = None) -> Payment:
    """Open (or resume) the online payment of the patient's owed charge; return what Stripe.js needs."""
    now = now or timezone.now()
    charge.refresh_from_db()
    _refused_unless_payable(charge, user)
    try:
        intent = _known_intent(charge)
        if intent is not None:
            if charge.state == ChargeState.SENDING and intent.status in OPEN and not intent.failure_message:
                # The same attempt, reloaded or in a second tab: the patient is on it, so the sweep waits.
                Charge.objects.filter(pk=charge.pk, state=ChargeState.SENDING, provider_id=intent.provider_id).update(
                    claimed_at=now
                )
                return _payment(charge, intent)
            if intent.status == "succeeded" or charge.state == ChargeState.SENDING:
                charge = _settle_from(charge, intent, now=now)  # paid, processing, or declined unsaid
                _refused_unless_payable(charge, user)
        if charge.state == ChargeState.SENDING:
            raise InvalidTransition("This is being charged right now: please check again in a minute.")
        if intent is not None and intent.status in OPEN:
            _cancel_previous(charge, intent, now=now)
        customer = cards._customer_of(user)
    except gateway.StripeError as exc:
        raise _unreachable() from exc
    claimed = _claim(charge, by=user, now=now)
    if claimed is None:
        raise InvalidTransition("This charge changed meanwhile: please reload the page.")
    try:
        intent = gateway.start_on_session(
            amount=claimed.total,
            currency=claimed.currency,
            customer=customer.provider_id,
            metadata=_metadata(claimed),
            idempotency_key=claimed.idempotency_key,
        )
    except gateway.StripeError as exc:
        # Nobody has this attempt's secret, so nothing can be paid on it: owed as it was.
        Charge.objects.filter(pk=claimed.pk, state=ChargeState.SENDING, attempts=claimed.attempts).update(
            state=ChargeState.FAILED, claimed_at=None, updated_at=now
        )
        raise _unreachable() from exc
    Charge.objects.filter(pk=claimed.pk, state=ChargeState.SENDING, attempts=claimed.attempts).update(
        provider_id=intent.provider_id
    )
    return _payment(claimed, intent)


def _unreachable() -> PolicyRefused:
    return PolicyRefused(
        "We could not reach the card processor. Please try again in a moment.", code="payment_unavailable"
    )


def _cancel_previous(charge: Charge, intent: Intent, *, now: datetime) -> None:
    """Cancel the previous attempt's PaymentIntent before a new one; refuse if it was paid meanwhile."""
    try:
        gateway.cancel_intent(intent.provider_id)
    except gateway.StripeError:
        again = gateway.retrieve_intent(intent.provider_id)
        if again.status != "canceled":
            _settle_from(charge, again, now=now)
            raise InvalidTransition("This payment changed meanwhile: please reload the page.") from None


def finish(*, user: User, charge: Charge, now: datetime | None = None) -> Charge:
    """Settle the patient's online payment from what Stripe says of it (after Stripe.js confirmed it)."""
    now = now or timezone.now()
    charge.refresh_from_db()
    if charge.appointment.patient_id != user.pk:
        raise NotAllowed("This is not your charge.")
    try:
        intent = _known_intent(charge)
    except gateway.StripeError as exc:
        raise _unreachable() from exc
    if intent is None or charge.method != Method.ONLINE_CARD:
        raise InvalidTransition("This charge has no online payment to finish: start it first.")
    if charge.state == ChargeState.SUCCEEDED and charge.card_last4:
        return charge  # the webhook was first
    if charge.state == ChargeState.SUCCEEDED:
        # Settled by the webhook, which knows no card digits: the receipt wants them.
        last4 = _paid_card_last4(intent.provider_id)
        Charge.objects.filter(pk=charge.pk).update(card_last4=last4)
        charge.refresh_from_db()
        return charge
    try:
        return _settle_from(charge, intent, now=now)
    except gateway.StripeError as exc:
        raise _unreachable() from exc
