"""Money at the front desk's calendar in a real browser: the balance taken in cash with a tip, then part given back."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Appointment, Notification, NotificationKind
from clinic.models import User
from payments.models import Charge, ChargeKind, Refund
from tests.admin.conftest import staff_groups  # noqa: F401  (the migration's groups)
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD, UserFactory

DAY = "/admin/calendar/?date=2026-03-04"
TABLET = {"width": 1024, "height": 768}


@pytest.fixture
def after_the_session(
    page: Page,
    live_server: Any,
    staff_groups: None,  # noqa: F811  (the fixture imported above)
    site_catalogue: dict,
    patient: User,
    clock: Any,
) -> tuple[Page, Appointment]:
    """Alice's deep tissue with Carol on Wednesday 10:00-11:00; the front desk opens the day at 11:05."""
    session = services.book(
        patient=patient,
        therapist=site_catalogue["carol"],
        massage_type=site_catalogue["deep_tissue"],
        start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
    )
    clock.move_to(datetime(2026, 3, 4, 11, 5, tzinfo=CLINIC_ZONE))
    desk = UserFactory(email="fran@example.test", first_name="Fran", last_name="Frontdesk", is_staff=True)
    desk.groups.add(Group.objects.get(name="Front desk"))
    page.set_viewport_size(TABLET)
    login(page, live_server, desk.email, PASSWORD)
    page.goto(f"{live_server.url}{DAY}")
    expect(page.get_by_role("grid")).to_be_visible()
    return page, session


def test_the_front_desk_takes_the_balance_in_cash_with_a_tip_and_gives_part_back(
    after_the_session: tuple[Page, Appointment],
) -> None:
    page, session = after_the_session

    page.get_by_role("gridcell", name=re.compile(r"^Carol Chen, 10:00 AM: Alice Archer")).click()
    dialog = page.get_by_role("dialog", name="Alice Archer: Deep tissue")
    money = dialog.get_by_role("region", name="Payments")
    expect(money).to_contain_text("Balance due$90.00")
    expect(money.get_by_label("Saved card")).to_have_count(0)  # no card on file, online payments off
    check_accessibility(page)
    money.get_by_label("Cash").check()
    money.get_by_label("Tip (optional)").fill("15")
    money.get_by_role("button", name="Take $90.00").click()

    expect(money).to_contain_text("Paid $105.00 by cash.")
    receipt = money.get_by_role("link", name="Print the receipt")
    balance = Charge.objects.get(appointment=session, kind=ChargeKind.BALANCE)
    expect(receipt).to_have_attribute("href", reverse("payments:receipt", args=[balance.pk]))
    expect(money).to_contain_text("Balance paid at the desk, $105.00 (tip $15.00) · Paid · Cash")
    expect(money.get_by_role("button", name=re.compile("^Take"))).to_have_count(0)  # taken once
    assert (balance.amount, balance.tip, balance.state) == (Decimal("90.00"), Decimal("15.00"), "succeeded")
    assert Notification.objects.filter(kind=NotificationKind.RECEIPT, subject_id=balance.pk).exists()
    check_accessibility(page)
    screenshot(page, "front-desk-paid-cash-with-tip")

    money.get_by_role("button", name="Refund…").click()
    money.get_by_label("Amount to refund").fill("20")
    money.get_by_label("Reason for the refund").fill("The session started late")
    money.get_by_role("button", name="Refund", exact=True).click()

    expect(money).to_contain_text("$20.00 refunded")
    refund = Refund.objects.get(charge=balance)
    assert (refund.amount, refund.reason, refund.state) == (Decimal("20.00"), "The session started late", "succeeded")
