"""The booking flow on a 360-pixel-wide phone: nothing scrolls sideways, every step is reachable."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from clinic.models import User
from tests.e2e.conftest import assert_fits, check_accessibility, login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_booking_flow_works_at_360_pixels(
    phone: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    page = phone
    login(page, live_server, patient.email, PASSWORD)

    for path, name in [
        ("/", "mobile-home"),
        ("/guidance/", "mobile-guidance"),
        ("/find-your-massage/", "mobile-questionnaire"),
        ("/massages/", "mobile-massages"),
        ("/therapists/", "mobile-therapists"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert_fits(page)
        check_accessibility(page)
        screenshot(page, name)

    page.goto(f"{live_server.url}/massages/deep-tissue/")
    assert_fits(page)
    check_accessibility(page)
    page.get_by_role("link", name="Book deep tissue").click()
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    page.locator("[data-continue=type]").tap()
    page.locator("label[for=therapist-any]").tap()
    page.locator("[data-continue=therapist]").tap()
    page.locator("label[for=day-2026-03-05]").tap()
    page.locator("#slot-options label").filter(has_text=re.compile(r"^\s*3:30\sPM")).tap()
    assert_fits(page)
    check_accessibility(page)
    screenshot(page, "mobile-book-time")
    page.locator("[data-continue=time]").tap()
    page.locator("label[for=pain-3]").tap()
    page.get_by_label("Upper back", exact=True).check()
    assert_fits(page)
    check_accessibility(page)
    page.locator("[data-continue=intake]").tap()
    expect(page.locator("#summary")).to_contain_text("Thursday, March 5, 2026 at 3:30")
    assert_fits(page)
    screenshot(page, "mobile-book-confirm")
    page.get_by_role("button", name="Confirm booking").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    assert_fits(page)
    check_accessibility(page)
    screenshot(page, "mobile-booking-confirmed")
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.pain_level == 3
    assert appointment.focus_areas == "Upper back"

    page.get_by_role("link", name="My appointments").last.click()
    expect(page.locator("#appointments-page")).to_have_attribute("data-ready", "true")
    expect(page.locator(".appointment")).to_have_count(1)
    page.locator(".appointment").get_by_role("button", name=re.compile("^Reschedule")).tap()
    expect(page.locator(".appointment [data-role=days] .day").first).to_be_visible()
    assert_fits(page)
    check_accessibility(page)
    screenshot(page, "mobile-my-appointments")
