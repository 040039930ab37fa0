"""What the clinic's payment policy says for one booking, in words and amounts every page, e-mail and API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from booking.models import Appointment, MassageType, Status
from booking.policy import cancel_deadline, window_hours
from payments.models import Card, Charge, DepositRule, Policy, Terms, percent_of


def online_payments_on() -> bool:
    """Return whether the clinic takes cards online (a Stripe secret key is configured)."""
    return bool(settings.STRIPE_SECRET_KEY)


def current_policy() -> Policy:
    """Return the clinic's policy, made from the environment's defaults the first time it is read."""
    percent = settings.PAYMENTS_DEPOSIT_PERCENT
    policy, _ = Policy.objects.get_or_create(
        pk=1,
        defaults={
            "card_required": settings.PAYMENTS_CARD_REQUIRED,
            "deposit_rule": DepositRule.PERCENT if percent > 0 else DepositRule.NONE,
            "deposit_percent": percent,
            "late_cancel_fee_percent": settings.PAYMENTS_LATE_CANCEL_FEE_PERCENT,
            "no_show_fee_percent": settings.PAYMENTS_NO_SHOW_FEE_PERCENT,
            "no_show_needs_approval": settings.PAYMENTS_NO_SHOW_NEEDS_APPROVAL,
        },
    )
    return policy


def money(amount: Decimal, currency: str | None = None) -> str:
    """Return an amount as patients read it: '$45.00' (or '45.00 EUR' in another currency)."""
    currency = (currency or settings.CURRENCY).lower()
    if currency == "usd":
        return f"${amount:,.2f}"
    return f"{amount:,.2f} {currency.upper()}"


def percent(value: Decimal) -> str:
    """Return a percentage as people write it: '50%', '12.5%' (never '50.00%')."""
    return f"{value.normalize():f}%"


def describe(charge: Charge) -> str:
    """Return a charge as the history and the pages name it: 'Deposit of $18.00'."""
    return f"{charge.get_kind_display()} of {money(charge.total, charge.currency)}"


@dataclass(frozen=True)
class Quote:
    """The policy as it applies to one booking: what is asked at booking and what a late change costs."""

    currency: str
    price: Decimal
    card_required: bool
    deposit: Decimal
    late_cancel_fee_percent: Decimal
    late_cancel_fee: Decimal
    no_show_fee_percent: Decimal
    no_show_fee: Decimal
    no_show_needs_approval: bool

    @property
    def asks_for_card(self) -> bool:
        """Whether the patient saves a card to book (required, or a deposit to take)."""
        return self.card_required or self.deposit > 0

    def sentences(self) -> list[str]:
        """Return the policy in plain sentences, as the booking page, the e-mail and the account show it."""
        lines: list[str] = []
        if self.deposit > 0:
            lines.append(
                f"A deposit of {money(self.deposit, self.currency)} is charged to your card when you book "
                "and taken off what you pay at the session."
            )
        elif self.card_required:
            lines.append("We keep a card on file to hold your booking; nothing is charged when you book.")
        if self.late_cancel_fee > 0:
            lines.append(
                f"Cancelling within {window_hours()} hours of the session costs "
                f"{money(self.late_cancel_fee, self.currency)} ({percent(self.late_cancel_fee_percent)} of the price)."
            )
        if self.no_show_fee > 0:
            lines.append(
                f"Missing the session without cancelling costs {money(self.no_show_fee, self.currency)} "
                f"({percent(self.no_show_fee_percent)} of the price)."
            )
        return lines


def quote(massage_type: MassageType, *, policy: Policy | None = None) -> Quote:
    """Return what the policy in force now asks of a booking of this massage."""
    policy = policy or current_policy()
    price = massage_type.price
    online = online_payments_on()
    return Quote(
        currency=settings.CURRENCY,
        price=price,
        card_required=online and policy.card_required,
        deposit=policy.deposit_for(price) if online else Decimal("0.00"),
        late_cancel_fee_percent=policy.late_cancel_fee_percent,
        late_cancel_fee=percent_of(price, policy.late_cancel_fee_percent) if online else Decimal("0.00"),
        no_show_fee_percent=policy.no_show_fee_percent,
        no_show_fee=percent_of(price, policy.no_show_fee_percent) if online else Decimal("0.00"),
        no_show_needs_approval=policy.no_show_needs_approval,
    )


def quote_of(terms: Terms) -> Quote:
    """Return the quote an appointment was booked under."""
    return Quote(
        currency=terms.currency,
        price=terms.price,
        card_required=terms.card_required,
        deposit=terms.deposit,
        late_cancel_fee_percent=terms.late_cancel_fee_percent,
        late_cancel_fee=terms.late_cancel_fee,
        no_show_fee_percent=terms.no_show_fee_percent,
        no_show_fee=terms.no_show_fee,
        no_show_needs_approval=terms.no_show_needs_approval,
    )


def terms_of(appointment: Appointment) -> Terms | None:
    """Return the terms the appointment was booked under (None for one booked before payments)."""
    return Terms.objects.filter(appointment_id=appointment.pk).first()


def saved_card(user_id: int) -> Card | None:
    """Return the patient's card in use, if any."""
    return Card.objects.filter(user_id=user_id, removed_at__isnull=True).first()


@dataclass(frozen=True)
class LateCancellation:
    """Whether a patient may still cancel online inside the window by paying the fee, and how much."""

    possible: bool
    fee: Decimal
    currency: str
    card_last4: str
    message: str  # what the page says before they confirm


def late_cancellation(appointment: Appointment, *, now: datetime) -> LateCancellation | None:
    """Return the late-cancellation offer when the patient is inside the window (None outside it)."""
    if appointment.status != Status.CONFIRMED or appointment.start <= now or now <= cancel_deadline(appointment):
        return None
    terms = terms_of(appointment)
    card = saved_card(appointment.patient_id)
    if terms is None or terms.late_cancel_fee <= 0 or card is None or not online_payments_on():
        return None
    fee = terms.late_cancel_fee
    return LateCancellation(
        possible=True,
        fee=fee,
        currency=terms.currency,
        card_last4=card.last4,
        message=(
            f"You are within {window_hours()} hours of the session: cancelling now costs "
            f"{money(fee, terms.currency)}, charged to your card ending {card.last4}."
        ),
    )
