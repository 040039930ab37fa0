"""A returning patient in a real browser cancels and reschedules from "My appointments", within the policy.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic; online changes close 24 hours
before the start.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Appointment, Status
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


def test_returning_patient_cancels_and_reschedules_and_is_told_to_call_when_too_late(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    carol = site_catalogue["carol"]
    deep_tissue = site_catalogue["deep_tissue"]
    to_cancel = services.book(patient=patient, therapist=carol, massage_type=deep_tissue, start=at(5, 10))
    to_move = services.book(patient=patient, therapist=carol, massage_type=deep_tissue, start=at(6, 10))
    too_late = services.book(patient=patient, therapist=carol, massage_type=deep_tissue, start=at(2, 14))

    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/appointments/")
    expect(page.locator("#appointments-page")).to_have_attribute("data-ready", "true")
    expect(page.get_by_role("heading", level=1)).to_have_text("My appointments")
    expect(page.locator(".appointment")).to_have_count(3)
    check_accessibility(page)
    screenshot(page, "my-appointments")

    # Cancel Thursday's appointment with a reason.
    card = page.locator(f"#appointment-{to_cancel.pk}")
    card.get_by_role("button", name=re.compile("^Cancel")).click()
    expect(card.get_by_label("Reason")).to_be_focused()
    card.get_by_label("Reason").fill("Travelling that week")
    check_accessibility(page)
    card.get_by_role("button", name="Yes, cancel it").click()
    flash = page.locator("#flash")
    expect(flash).to_contain_text("is cancelled")
    expect(flash).to_be_focused()
    expect(page.locator(".appointment--past")).to_contain_text("Travelling that week")
    to_cancel.refresh_from_db()
    assert to_cancel.status == Status.CANCELLED
    assert to_cancel.cancellation_reason == "Travelling that week"

    # Move Friday's appointment to Tuesday 3 March at 2:00 PM.
    card = page.locator(f"#appointment-{to_move.pk}")
    card.get_by_role("button", name=re.compile("^Reschedule")).click()
    expect(card.get_by_role("button", name=re.compile("^Reschedule"))).to_have_attribute("aria-expanded", "true")
    card.locator(f"label[for=day-{to_move.pk}-2026-03-03]").click()
    expect(card.locator("[data-role=slots-legend]")).to_have_text("Free times on Tuesday, March 3, 2026")
    card.locator("[data-role=slots] label").filter(has_text=re.compile(r"^\s*2:00\sPM")).click()
    check_accessibility(page)
    screenshot(page, "my-appointments-reschedule")
    card.get_by_role("button", name="Move my appointment").click()
    expect(page.locator("#flash")).to_contain_text("moved to Tuesday, March 3, 2026 at 2:00")
    to_move.refresh_from_db()
    assert to_move.start == at(3, 14)
    assert to_move.status == Status.CONFIRMED
    expect(page.locator(f"#appointment-{to_move.pk} .appointment__when")).to_contain_text(
        "Tuesday, March 3, 2026 at 2:00 PM"
    )

    # Today's appointment is inside the 24-hour window: no buttons that could only fail, the number to call.
    card = page.locator(f"#appointment-{too_late.pk}")
    expect(card).to_contain_text("Within 24 hours of the session, please call us on +1 617 555 0142")
    expect(card).not_to_contain_text("Sunday, March 1")  # the deadline, already past
    expect(card.get_by_role("button")).to_have_count(0)
    expect(page.locator(f"#appointment-{to_move.pk}").get_by_role("button", name=re.compile("^Cancel"))).to_be_visible()
    check_accessibility(page)
    screenshot(page, "my-appointments-call-us")
    too_late.refresh_from_db()
    assert too_late.status == Status.CONFIRMED


def test_a_patient_sees_only_their_own_appointments(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    other_patient: User,
    clock: Any,
) -> None:
    carol = site_catalogue["carol"]
    theirs = services.book(
        patient=other_patient, therapist=carol, massage_type=site_catalogue["deep_tissue"], start=at(4, 10)
    )

    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/appointments/")
    expect(page.locator("#appointments-page")).to_have_attribute("data-ready", "true")
    expect(page.locator(".appointment")).to_have_count(0)
    expect(page.get_by_text("You have no upcoming appointments.")).to_be_visible()

    response = page.goto(f"{live_server.url}/appointments/{theirs.pk}/confirmed/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_accessibility(page)
    assert Appointment.objects.get(pk=theirs.pk).status == Status.CONFIRMED
