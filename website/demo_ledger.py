"""The demo clinic's money: the last worked day's sessions paid at the desk, one with a tip, one partly refunded.

Everything goes through the payments services, as the front desk would do it, so it works
with online payments off (the demo's default). Deposits and no-show fees come from the
policy a booking was made under, which is kept only with online payments on: with them on,
the demo's online bookings ask their deposits through the services themselves; with them
off there is none to show, and none is made up here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from booking.models import Appointment, Status
from clinic.models import User
from payments import policy, services
from payments.models import Charge, ChargeKind, Method, Refund

TIP = Decimal("10.00")
REFUND = Decimal("15.00")
# How the day's patients paid, in the order of their sessions.
METHODS = (Method.CASH, Method.TERMINAL)
# Long enough after the session for the patient to reach the desk.
AT_THE_DESK = timedelta(minutes=5)


@dataclass(frozen=True)
class DemoLedger:
    day: date | None
    payments: int
    refunds: int


def _demo_day() -> tuple[date | None, list[Appointment]]:
    """Return the last day before today with completed sessions, and those sessions by start."""
    done = Appointment.objects.filter(status=Status.COMPLETED, start__lt=timezone.now()).order_by("-start")
    latest = done.first()
    if latest is None:
        return None, []
    day = timezone.localdate(latest.start)
    sessions = [each for each in done if timezone.localdate(each.start) == day]
    return day, sorted(sessions, key=lambda each: each.start)


def seed_ledger(*, desk: User) -> DemoLedger:
    """Record the demo day's desk payments and a refund, once (a second run finds them and adds nothing)."""
    policy.current_policy()  # the owner's policy row, from the environment's defaults
    day, sessions = _demo_day()
    payments = refunds = 0
    for index, session in enumerate(sessions):
        charge = Charge.objects.filter(appointment=session, kind=ChargeKind.BALANCE).first()
        if charge is None:
            charge = services.take_desk_payment(
                appointment=session,
                by=desk,
                method=METHODS[index % len(METHODS)],
                tip=TIP if index == 0 else Decimal("0"),
                now=session.end + AT_THE_DESK,
            )
        payments += 1
        last = index == len(sessions) - 1
        if last and index > 0:
            if not Refund.objects.filter(charge=charge).exists():
                services.refund(
                    charge=charge,
                    by=desk,
                    amount=REFUND,
                    reason="The session started late",
                    now=session.end + AT_THE_DESK * 3,
                )
            refunds += 1
    return DemoLedger(day=day, payments=payments, refunds=refunds)
