"""The read side of the ledger for staff: what an appointment has paid and owes, and a day's takings.

Nothing here writes; the rules of what can still be refunded and what is left to pay are
the services' own (payments.services.refundable, balance_due), asked, never repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from booking.models import Appointment, Status
from payments import policy, services
from payments.models import CENT, OWED_STATES, Charge, ChargeKind, ChargeState, Refund, RefundState

ZERO = Decimal("0.00")
MONEY: DecimalField = DecimalField(max_digits=10, decimal_places=2)


def with_refunded(charges: QuerySet[Charge]) -> QuerySet[Charge]:
    """Annotate each charge with `refunded`: what was given back or is being given back (failed refunds aside)."""
    given = (
        Refund.objects.filter(charge=OuterRef("pk"))
        .exclude(state=RefundState.FAILED)
        .order_by()
        .values("charge")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return charges.annotate(refunded=Coalesce(Subquery(given, output_field=MONEY), Value(ZERO), output_field=MONEY))


@dataclass(frozen=True)
class DayTotal:
    """What one day of the clinic took, is owed and gave back (in the clinic's currency)."""

    day: date
    paid: Decimal
    owed: Decimal
    refunded: Decimal

    @property
    def net(self) -> Decimal:
        return self.paid - self.refunded


def totals_per_day(charges: QuerySet[Charge]) -> list[DayTotal]:
    """Return per clinic day, newest first: paid (by the day it settled), owed (by the day it was asked), refunded.

    Refunds count on the day they were made, and only those of the given charges, so the
    filtered list and its totals always tell the same story (three queries).
    """
    zone = timezone.get_default_timezone()
    rows = charges.order_by()
    paid = (
        rows.filter(state=ChargeState.SUCCEEDED)
        .annotate(day=TruncDate("settled_at", tzinfo=zone))
        .values("day")
        .annotate(sum=Sum(F("amount") + F("tip"), output_field=MONEY))
    )
    owed = (
        rows.filter(state__in=OWED_STATES)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(sum=Sum(F("amount") + F("tip"), output_field=MONEY))
    )
    refunded = (
        Refund.objects.filter(charge__in=rows.values("pk"))
        .exclude(state=RefundState.FAILED)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(sum=Sum("amount"))
    )
    days: dict[date, dict[str, Decimal]] = {}
    for name, query in (("paid", paid), ("owed", owed), ("refunded", refunded)):
        for row in query:
            days.setdefault(row["day"], {})[name] = row["sum"]
    return [
        DayTotal(day, *(_cents(sums.get(name)) for name in ("paid", "owed", "refunded")))
        for day, sums in sorted(days.items(), reverse=True)
    ]


def _cents(value: Decimal | None) -> Decimal:
    # SQLite (the demo's database) sums decimals without their places: 190, not 190.00.
    return Decimal(value or 0).quantize(CENT)


@dataclass(frozen=True)
class ChargeLine:
    """One charge of an appointment as the front desk reads it (no provider id, no card secret)."""

    charge: Charge
    refunded: Decimal
    refundable: Decimal

    @property
    def can_refund(self) -> bool:
        return self.refundable > 0

    @property
    def can_approve(self) -> bool:
        return self.charge.state == ChargeState.AWAITING_APPROVAL

    @property
    def can_waive(self) -> bool:
        return self.charge.state in (ChargeState.AWAITING_APPROVAL, ChargeState.PENDING, ChargeState.FAILED)


@dataclass(frozen=True)
class Ledger:
    """What an appointment has paid and still owes: its charges, the balance left, the card on file."""

    appointment: Appointment
    currency: str
    lines: list[ChargeLine]
    balance_due: Decimal
    balance_taken: bool
    card_brand: str
    card_last4: str
    online: bool

    @property
    def paid(self) -> Decimal:
        return sum((line.charge.total for line in self.lines if line.charge.state == ChargeState.SUCCEEDED), ZERO)

    @property
    def owed(self) -> Decimal:
        return sum((line.charge.total for line in self.lines if line.charge.state in OWED_STATES), ZERO)

    @property
    def refunded(self) -> Decimal:
        return sum((line.refunded for line in self.lines), ZERO)

    @property
    def can_pay(self) -> bool:
        """Whether the desk may take the balance now (once per session, never for a cancelled one)."""
        return self.appointment.status != Status.CANCELLED and not self.balance_taken

    @property
    def can_pay_by_card(self) -> bool:
        return self.can_pay and self.online and bool(self.card_last4)


def ledger_of(appointment: Appointment) -> Ledger:
    """Return what the appointment has paid and owes (a handful of queries whatever its charges)."""
    charges = list(with_refunded(Charge.objects.filter(appointment=appointment)).order_by("created_at", "pk"))
    card = policy.saved_card(appointment.patient_id)
    return Ledger(
        appointment=appointment,
        currency=settings.CURRENCY,
        lines=[
            ChargeLine(charge, _cents(charge.refunded), services.refundable(charge))  # type: ignore[attr-defined]
            for charge in charges
        ],
        balance_due=services.balance_due(appointment),
        balance_taken=any(charge.kind == ChargeKind.BALANCE for charge in charges),
        card_brand=card.brand if card else "",
        card_last4=card.last4 if card else "",
        online=policy.online_payments_on(),
    )
