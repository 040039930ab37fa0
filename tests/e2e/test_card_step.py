"""In a real browser, with localstripe's Stripe.js: the booking page's card step, then the booking and its deposit;
and the late cancellation on My appointments, its fee said before the patient confirms.

The live server runs in this process, so the `payments_on` settings (localstripe's keys and
addresses) are its settings too. localstripe's mock of Stripe's card field renders five plain
inputs (number, exp_month, exp_year, cvc, postal_code) where Stripe would put its iframe.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Appointment, Status
from clinic.models import User
from payments import sending
from payments import services as payment_services
from payments.models import Card, Charge, ChargeKind, DepositRule, Policy
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD
from tests.payments.conftest import save_card

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)


@pytest.fixture
def policy(transactional_db: None) -> Policy:
    """A card to book, a 20 % deposit and a 50 % late-cancellation fee (as tests/payments/conftest.py)."""
    return Policy.objects.create(
        pk=1,
        card_required=True,
        deposit_rule=DepositRule.PERCENT,
        deposit_percent=Decimal("20"),
        late_cancel_fee_percent=Decimal("50"),
        no_show_fee_percent=Decimal("100"),
    )


def fill_card(page: Page, *, number: str = "4242424242424242") -> None:
    field = page.locator("#booking-card-element")
    field.get_by_placeholder("number").fill(number)
    field.get_by_placeholder("exp_month").fill("12")
    field.get_by_placeholder("exp_year").fill("31")  # the mock puts "20" before it
    field.get_by_placeholder("cvc").fill("123")
    field.get_by_placeholder("postal_code").fill("02139")


def test_a_patient_saves_a_card_in_the_card_step_then_books_and_owes_the_deposit(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    payments_on: str,
    policy: Policy,
    clock: Any,
) -> None:
    deep_tissue = site_catalogue["deep_tissue"]
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=deep-tissue&therapist={site_catalogue['carol'].pk}")
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    page.locator("label[for=day-2026-03-04]").click()
    page.locator("#slot-options label").filter(has_text=re.compile(r"^\s*✓?\s*10:00\sAM")).click()
    page.locator("[data-continue=time]").click()
    page.locator("[data-continue=intake]").click()

    # The policy is said before confirming, and the card is asked for in Stripe's field.
    step = page.locator("#payment-step")
    expect(step).to_be_visible()
    deposit = (deep_tissue.price * Decimal("0.2")).quantize(Decimal("0.01"))
    expect(step).to_contain_text(f"A deposit of ${deposit} is charged to your card when you book")
    expect(step).to_contain_text("Cancelling within 24 hours of the session costs")
    expect(page.locator("#card-step")).to_be_visible()
    expect(page.locator("#booking-card-element input")).to_have_count(5)
    screenshot(page, "book-card-step")
    fill_card(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.start == WED_10
    card = Card.objects.get(user=patient, removed_at__isnull=True)
    assert card.last4 == "4242"
    charge = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert charge.amount == deposit
    assert charge.card == card

    # With the card saved, the next booking needs no card field (and loads no Stripe.js).
    page.goto(f"{live_server.url}/book/?type=deep-tissue")
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    assert page.locator("#booking-card-element").count() == 1
    assert page.evaluate("() => typeof window.Stripe") == "undefined"


def test_a_declined_card_in_the_card_step_books_nothing(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    payments_on: str,
    policy: Policy,
    clock: Any,
) -> None:
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=deep-tissue&therapist={site_catalogue['carol'].pk}")
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    page.locator("label[for=day-2026-03-04]").click()
    page.locator("#slot-options label").filter(has_text=re.compile(r"^\s*✓?\s*10:00\sAM")).click()
    page.locator("[data-continue=time]").click()
    page.locator("[data-continue=intake]").click()
    expect(page.locator("#card-step")).to_be_visible()

    fill_card(page, number="4000000000000002")  # declined when saved
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator("#card-error")).to_contain_text("declined")
    expect(page.get_by_role("button", name="Confirm booking")).to_be_enabled()
    assert not Appointment.objects.filter(patient=patient).exists()


def test_a_late_cancel_says_the_fee_before_the_patient_confirms(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    payments_on: str,
    policy: Policy,
    clock: Any,
) -> None:
    save_card(patient, payments_on)
    deep_tissue = site_catalogue["deep_tissue"]
    appointment = services.book(
        patient=patient, therapist=site_catalogue["carol"], massage_type=deep_tissue, start=WED_10
    )
    clock.move_to(datetime(2026, 3, 3, 12, 0, tzinfo=CLINIC_ZONE))

    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/appointments/")
    expect(page.locator("#appointments-page")).to_have_attribute("data-ready", "true")
    card = page.locator(f"#appointment-{appointment.pk}")
    expect(card).to_contain_text("Payment policy of this booking")
    expect(page.locator("[data-testid=saved-card]")).to_contain_text("Visa ending 4242")
    check_accessibility(page)

    card.get_by_role("button", name=re.compile("^Cancel with the fee")).click()
    fee = (deep_tissue.price / 2).quantize(Decimal("0.01"))
    expect(card.locator("[data-testid=late-fee]")).to_have_text(
        f"You are within 24 hours of the session: cancelling now costs ${fee}, charged to your card ending 4242."
    )
    check_accessibility(page)
    screenshot(page, "my-appointments-late-cancel")
    card.get_by_role("button", name="Yes, cancel and pay the fee").click()

    expect(page.locator("#flash")).to_contain_text("late-cancellation fee")
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    assert Charge.objects.filter(appointment=appointment, kind=ChargeKind.LATE_CANCEL_FEE).exists()


def test_the_pay_now_page_shows_stripes_field_and_the_receipt_prints_without_the_site_around_it(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    payments_on: str,
    policy: Policy,
    clock: Any,
) -> None:
    save_card(patient, payments_on, number="4000000000000341")  # saved fine, declined when charged
    appointment = services.book(
        patient=patient, therapist=site_catalogue["carol"], massage_type=site_catalogue["deep_tissue"], start=WED_10
    )
    deposit = Charge.objects.get(appointment=appointment, kind=ChargeKind.DEPOSIT)
    assert sending.send_charge(deposit.pk) == "failed"
    login(page, live_server, patient.email, PASSWORD)

    page.goto(f"{live_server.url}/appointments/")
    page.get_by_role("link", name=re.compile("^Pay now")).click()
    expect(page.locator("#pay-page")).to_have_attribute("data-ready", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay deposit")
    expect(page.locator("#card-element input")).to_have_count(5)
    expect(page.get_by_role("button", name=f"Pay ${deposit.amount}")).to_be_enabled()
    screenshot(page, "pay-now")

    staff = User.objects.create_user(email="desk@example.test", password="desk-pass-2026", is_staff=True)
    paid = payment_services.take_desk_payment(appointment=appointment, by=staff, method="terminal", tip=Decimal("10"))
    page.goto(f"{live_server.url}/payments/{paid.pk}/receipt/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Receipt")
    expect(page.locator("[data-testid=tip]")).to_have_text("$10.00")
    check_accessibility(page)
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".receipt__actions").first).to_be_hidden()
    expect(page.locator("[data-testid=total]")).to_be_visible()
    screenshot(page, "receipt-print")
