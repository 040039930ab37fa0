"""A clinic day's ledger against localstripe: every kind of charge and refund, printed, with their cost.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic python bench/payments_day.py

Starts localstripe (the fake Stripe server the tests use) on a free loopback port, uses its
own database on the server of DATABASE_URL (clinic_bench_payments, created and migrated when
missing; the day is seeded in a transaction rolled back at the end) and plays one day under
the policy "card required, 20 % deposit, 50 % late-cancellation fee, 100 % no-show fee"
through the same services the pages call, sending each charge and refund to Stripe as the
Celery task would. Prints the ledger, the day's totals, and figures: milliseconds per call
to Stripe (median), and statements per booking with payments on and off. Figures only.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "clinic_bench_payments"
ZONE = ZoneInfo("America/New_York")


class Rollback(Exception):
    """Raised at the end to roll the day back."""


def database_url() -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("bench/payments_day.py runs on PostgreSQL: set DATABASE_URL=postgres://user@host:port/db")
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{DATABASE}"')


def setup_django(stripe_base: str) -> None:
    from tests import localstripe as fake_stripe

    url = database_url()
    ensure_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="clinic.settings",
        TIME_ZONE="America/New_York",
        STRIPE_SECRET_KEY=fake_stripe.SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY=fake_stripe.PUBLISHABLE_KEY,
        STRIPE_WEBHOOK_SECRET=fake_stripe.WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_base,
        LOG_LEVEL="WARNING",
    )
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    import logging

    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    logging.getLogger("stripe").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0, interactive=False)
    setup_test_environment()  # e-mail kept in memory: nothing leaves the machine


def statements(call: Any) -> tuple[Any, int]:
    """Run the call; return its result and the SQL statements it sent."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured.captured_queries)


def play_day(stripe_base: str, day: date) -> dict[str, Any]:
    """Play the day through the services; return the figures (the ledger is printed as it goes)."""
    import time_machine
    from django.conf import settings

    from booking import services as booking
    from clinic.models import User
    from payments import cards, sending, services
    from payments.models import Charge, DepositRule, Method, Policy, Refund
    from tests import localstripe as fake_stripe
    from tests.factories import MassageTypeFactory, TherapistFactory, UserFactory, weekly_hours

    stripe_ms: list[float] = []

    def send(kind: str, row_id: int) -> str:
        started = time.perf_counter()
        outcome = sending.send_charge(row_id) if kind == "charge" else sending.send_refund(row_id)
        stripe_ms.append(1000 * (time.perf_counter() - started))
        return outcome

    def send_pending() -> None:
        for charge_id in Charge.objects.filter(state="pending").values_list("pk", flat=True):
            send("charge", charge_id)
        for refund_id in Refund.objects.filter(state="pending").values_list("pk", flat=True):
            send("refund", refund_id)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, wall_time(hour, minute), tzinfo=ZONE)

    Policy.objects.update_or_create(
        pk=1,
        defaults={
            "card_required": True,
            "deposit_rule": DepositRule.PERCENT,
            "deposit_percent": Decimal("20"),
            "late_cancel_fee_percent": Decimal("50"),
            "no_show_fee_percent": Decimal("100"),
            "no_show_needs_approval": False,
        },
    )
    massage = MassageTypeFactory.create(name="Bench Swedish", slug="bench-swedish", price=Decimal("90.00"))
    therapist = TherapistFactory.create(massage_types=[massage])
    weekly_hours(therapist, start=wall_time(9), end=wall_time(18))
    desk = UserFactory.create(email="desk.bench@clinic.test", is_staff=True, is_superuser=True)

    def patient(name: str, number: str | None) -> User:
        user = UserFactory.create(email=f"{name.lower()}.bench@example.test")
        if number is not None:
            setup = cards.start_setup(user=user)
            cards.save_card(
                user=user,
                setup_intent=fake_stripe.confirmed_setup(stripe_base, client_secret=setup.client_secret, number=number),
            )
        return user

    booking_now = at(8) - timedelta(days=3)
    with time_machine.travel(booking_now, tick=False):
        people = {
            "P1": patient("P1", fake_stripe.GOOD_CARD),
            "P2": patient("P2", fake_stripe.GOOD_CARD),
            "P3": patient("P3", fake_stripe.GOOD_CARD),
            "P4": patient("P4", fake_stripe.DECLINED_ON_CHARGE),
            "P5": patient("P5", fake_stripe.GOOD_CARD),
            "P6": patient("P6", None),
        }
        sessions = {}
        booked_statements = []
        for name, hour in (("P1", 10), ("P2", 11), ("P3", 13), ("P4", 14), ("P5", 15)):
            appointment, count = statements(
                lambda name=name, hour=hour: booking.book(
                    patient=people[name], therapist=therapist, massage_type=massage, start=at(hour)
                )
            )
            sessions[name] = appointment
            booked_statements.append(count)
        # A phone booking by the front desk for a patient without a card: no deposit.
        sessions["P6"] = booking.book(
            patient=people["P6"], therapist=therapist, massage_type=massage, start=at(16), by=desk
        )
        send_pending()
        # P5 cancels two days ahead: inside the policy, the deposit goes back.
        booking.cancel(appointment=sessions["P5"], by=people["P5"])
        send_pending()
    with time_machine.travel(at(8), tick=False):
        # P2 cancels on the morning itself, accepting the fee the page states.
        booking.cancel(appointment=sessions["P2"], by=people["P2"], late_fee_accepted=True)
        send_pending()
    with time_machine.travel(at(17, 30), tick=False):
        booking.mark_completed(appointment=sessions["P1"], by=desk)
        services.take_desk_payment(appointment=sessions["P1"], by=desk, method=Method.SAVED_CARD, tip=Decimal("10.00"))
        booking.mark_no_show(appointment=sessions["P3"], by=desk)
        booking.mark_completed(appointment=sessions["P4"], by=desk)
        services.take_desk_payment(appointment=sessions["P4"], by=desk, method=Method.CASH)
        booking.mark_completed(appointment=sessions["P6"], by=desk)
        cash = services.take_desk_payment(appointment=sessions["P6"], by=desk, method=Method.TERMINAL)
        services.refund(charge=cash, by=desk, amount=Decimal("20.00"), reason="Session cut short")
        send_pending()

    print(f"\nThe ledger of {day:%A, %B} {day.day}, {day.year} ({settings.CURRENCY.upper()}):\n")
    print("| patient | session | charge | amount | tip | method | card | state | refunded |")
    print("|---|---|---|---|---|---|---|---|---|")
    by_appointment = {appointment.pk: name for name, appointment in sessions.items()}
    paid = owed = refunded = Decimal("0.00")
    for charge in Charge.objects.order_by("appointment__start", "created_at", "pk").select_related("appointment"):
        given = sum((r.amount for r in charge.refunds.filter(state="succeeded")), Decimal("0.00"))
        start = charge.appointment.start.astimezone(ZONE)
        print(
            f"| {by_appointment[charge.appointment_id]} | {start:%H:%M} {charge.appointment.get_status_display()} "
            f"| {charge.get_kind_display()} | {charge.amount} | {charge.tip} | {charge.get_method_display()} "
            f"| {charge.card_last4 or '-'} | {charge.get_state_display()} | {given or '-'} |"
        )
        if charge.state == "succeeded":
            paid += charge.total
        elif charge.state in ("failed", "pending", "sending", "awaiting_approval"):
            owed += charge.total
        refunded += given
    print(f"\nPaid {paid}, owed {owed}, refunded {refunded}, net {paid - refunded}.")
    intents = list(fake_stripe.client(stripe_base).v1.payment_intents.list(params={"limit": 100}).auto_paging_iter())
    succeeded = [intent for intent in intents if intent.status == "succeeded"]
    return {
        "charges": Charge.objects.count(),
        "refunds": Refund.objects.count(),
        "paid": str(paid),
        "owed": str(owed),
        "refunded": str(refunded),
        "stripe_payment_intents": len(intents),
        "stripe_succeeded": len(succeeded),
        "stripe_call_median_ms": round(statistics.median(stripe_ms), 1),
        "stripe_calls": len(stripe_ms),
        "statements_per_booking_payments_on": statistics.median(booked_statements),
    }


def statements_with_payments_off(day: date) -> int:
    """Return the statements of one booking with online payments off (the default of `make run`)."""
    import time_machine
    from django.test import override_settings

    from booking import services as booking
    from tests.factories import MassageTypeFactory, TherapistFactory, UserFactory, weekly_hours

    massage = MassageTypeFactory.create(name="Bench Off", slug="bench-off", price=Decimal("90.00"))
    therapist = TherapistFactory.create(massage_types=[massage])
    weekly_hours(therapist, start=wall_time(9), end=wall_time(18))
    patient = UserFactory.create(email="off.bench@example.test")
    start = datetime.combine(day, wall_time(12), tzinfo=ZONE)
    with override_settings(STRIPE_SECRET_KEY=""), time_machine.travel(start - timedelta(days=3), tick=False):
        _, count = statements(
            lambda: booking.book(
                patient=patient,
                therapist=therapist,
                massage_type=massage,
                start=datetime.combine(day, wall_time(12), tzinfo=ZONE),
            )
        )
    return count


def main() -> None:
    from tests import localstripe as fake_stripe

    today = date.today()
    day = today + timedelta(days=(2 - today.weekday()) % 7 + 7)  # the Wednesday after next
    with fake_stripe.running() as stripe_base:
        setup_django(stripe_base)
        from django.db import transaction

        figures: dict[str, Any] = {}
        try:
            with transaction.atomic():
                figures.update(play_day(stripe_base, day))
                figures["statements_per_booking_payments_off"] = statements_with_payments_off(day + timedelta(days=1))
                raise Rollback
        except Rollback:
            pass
    figures.update(python=platform.python_version(), load_average=round(os.getloadavg()[0], 2))
    print(
        f"\nStripe calls: {figures['stripe_calls']}, median {figures['stripe_call_median_ms']} ms each (localstripe on "
        f"loopback); PaymentIntents at Stripe: {figures['stripe_payment_intents']}, succeeded "
        f"{figures['stripe_succeeded']}. Statements per booking: {figures['statements_per_booking_payments_on']} "
        f"with payments on, {figures['statements_per_booking_payments_off']} off."
    )
    print("FIGURES " + json.dumps(figures))


if __name__ == "__main__":
    main()
