"""The ledger: the payment policy, the terms each appointment was booked under, saved cards, charges, refunds.

Money is a Decimal in the clinic's currency everywhere here; only `payments.gateway` turns
it into the integer minor units Stripe takes.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from booking.models import Appointment

CENT = Decimal("0.01")
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """Return the percentage of the amount, rounded half up to the cent."""
    return (amount * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


class DepositRule(models.TextChoices):
    NONE = "none", "No deposit"
    FIXED = "fixed", "A fixed amount"
    PERCENT = "percent", "A percentage of the price"


class Policy(models.Model):
    """The clinic's payment policy, one row, edited by the owner in admin (defaults from the environment)."""

    card_required = models.BooleanField(
        default=False, verbose_name="card required to book online", help_text="Patients save a card before booking."
    )
    deposit_rule = models.CharField(max_length=8, choices=DepositRule.choices, default=DepositRule.NONE)
    deposit_amount = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    deposit_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"), validators=PERCENT)
    late_cancel_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT,
        verbose_name="late-cancellation fee (% of the price)",
        help_text="Charged to the saved card when a patient cancels inside the cancellation window.",
    )
    no_show_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=PERCENT,
        verbose_name="no-show fee (% of the price)",
    )
    no_show_needs_approval = models.BooleanField(
        default=False,
        verbose_name="no-show fee waits for the front desk",
        help_text="Off: the fee is charged when the session is marked no-show. On: it waits for approval.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "payment policy"
        verbose_name_plural = "payment policy"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="payment_policy_single_row"),
            models.CheckConstraint(
                condition=Q(deposit_percent__gte=0, deposit_percent__lte=100)
                & Q(late_cancel_fee_percent__gte=0, late_cancel_fee_percent__lte=100)
                & Q(no_show_fee_percent__gte=0, no_show_fee_percent__lte=100)
                & Q(deposit_amount__gte=0),
                name="payment_policy_amounts_in_range",
            ),
        ]

    def __str__(self) -> str:
        return "Payment policy"

    def deposit_for(self, price: Decimal) -> Decimal:
        """Return the deposit owed at booking for a session at this price."""
        if self.deposit_rule == DepositRule.FIXED:
            return min(self.deposit_amount, price)
        if self.deposit_rule == DepositRule.PERCENT:
            return percent_of(price, self.deposit_percent)
        return Decimal("0.00")


class Terms(models.Model):
    """The payment policy an appointment was booked under: it keeps these whatever the policy becomes."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="payment_terms")
    currency = models.CharField(max_length=3)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    card_required = models.BooleanField(default=False)
    deposit = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    late_cancel_fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    late_cancel_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    no_show_fee_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    no_show_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    no_show_needs_approval = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "booking terms"
        verbose_name_plural = "booking terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(deposit__gte=0, deposit__lte=models.F("price"))
                & Q(late_cancel_fee__gte=0, late_cancel_fee__lte=models.F("price"))
                & Q(no_show_fee__gte=0, no_show_fee__lte=models.F("price")),
                name="terms_amounts_within_price",
            )
        ]

    def __str__(self) -> str:
        return f"Terms of appointment {self.appointment_id}"


class Customer(models.Model):
    """A patient's customer at Stripe (our ids only: no name, no health detail goes there)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="stripe_customer")
    provider_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.provider_id


class Card(models.Model):
    """A card a patient saved for off-session charges (Stripe keeps the number; we keep brand and last four)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="saved_cards")
    provider_id = models.CharField(max_length=64, unique=True)
    brand = models.CharField(max_length=20, blank=True)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One card in use per patient: saving another replaces it.
            models.UniqueConstraint(
                fields=["user"], condition=Q(removed_at__isnull=True), name="one_saved_card_per_user"
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand or 'Card'} ending {self.last4}"


class ChargeKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    LATE_CANCEL_FEE = "late_cancel_fee", "Late-cancellation fee"
    NO_SHOW_FEE = "no_show_fee", "No-show fee"
    BALANCE = "balance", "Balance paid at the desk"


class ChargeState(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting the front desk's approval"
    PENDING = "pending", "To be charged"
    SENDING = "sending", "Being charged"
    SUCCEEDED = "succeeded", "Paid"
    FAILED = "failed", "Declined: owed"
    WAIVED = "waived", "Waived"


# The states in which the clinic is still owed the money.
OWED_STATES = (ChargeState.AWAITING_APPROVAL, ChargeState.PENDING, ChargeState.SENDING, ChargeState.FAILED)


class Method(models.TextChoices):
    SAVED_CARD = "saved_card", "Saved card"
    ONLINE_CARD = "online_card", "Card, paid online"
    CASH = "cash", "Cash"
    TERMINAL = "terminal", "Card terminal"


class ChargeQuerySet(models.QuerySet["Charge"]):
    def owed(self) -> ChargeQuerySet:
        return self.filter(state__in=OWED_STATES)

    def for_patient(self, user_id: int) -> ChargeQuerySet:
        return self.filter(appointment__patient_id=user_id)


class Charge(models.Model):
    """One sum the clinic is owed for an appointment: written with the change that owes it, charged once.

    The unique (appointment, kind) is the idempotency guard: however often a fee is asked
    for (a retried task, a duplicate webhook, a second beat), it exists once, and each
    attempt at Stripe carries the idempotency key of (charge, attempt).
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(max_length=20, choices=ChargeKind.choices)
    amount = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    tip = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=20, choices=ChargeState.choices, default=ChargeState.PENDING)
    method = models.CharField(max_length=12, choices=Method.choices, default=Method.SAVED_CARD)
    card = models.ForeignKey(Card, null=True, blank=True, on_delete=models.PROTECT, related_name="charges")
    card_last4 = models.CharField(max_length=4, blank=True)
    provider_id = models.CharField(max_length=64, unique=True, null=True, blank=True)  # the PaymentIntent
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    # Set by the waiver of a session re-marked as attended, not by the staff's: only that waiver
    # is undone when the session is marked no-show again (payments.services.record_no_show_fee).
    waived_as_not_a_no_show = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChargeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("take_desk_payment", "Can take a payment at the desk"),
            ("refund_charge", "Can refund a paid charge"),
            ("decide_fee", "Can approve or waive a fee"),
        ]
        indexes = [models.Index(fields=["state", "claimed_at"], name="charge_state_claimed")]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind"], name="one_charge_per_appointment_and_kind"),
            models.CheckConstraint(
                condition=Q(amount__gte=0, tip__gte=0) & (Q(amount__gt=0) | Q(tip__gt=0)),
                name="charge_amounts_positive",
            ),
            models.CheckConstraint(
                condition=~Q(state="succeeded") | Q(settled_at__isnull=False), name="charge_paid_has_settled_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.total} {self.currency.upper()} ({self.get_state_display()})"

    @property
    def total(self) -> Decimal:
        return self.amount + self.tip

    @property
    def idempotency_key(self) -> str:
        return f"clinic-charge-{self.pk}-attempt-{self.attempts}"


class RefundState(models.TextChoices):
    PENDING = "pending", "To be refunded"
    SENDING = "sending", "Being refunded"
    SUCCEEDED = "succeeded", "Refunded"
    FAILED = "failed", "Refund failed"


class Refund(models.Model):
    """Money given back on a paid charge, whole or part, by staff with a reason."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(CENT)])
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=12, choices=RefundState.choices, default=RefundState.PENDING)
    provider_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.amount} of charge {self.charge_id} ({self.get_state_display()})"

    @property
    def idempotency_key(self) -> str:
        return f"clinic-refund-{self.pk}-attempt-{self.attempts}"


class WebhookEvent(models.Model):
    """A Stripe event, stored once by its id: a redelivered event finds its row and changes nothing."""

    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
