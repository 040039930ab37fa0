"""A patient of a two-location clinic says where first, books at the second location, and is remembered next time.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic (tests/conftest.py).
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from clinic.models import User
from locations.models import Location, default_location
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.e2e.test_patient_booking import pick_tuesday_at, wait_until_ready
from tests.factories import PASSWORD, LocationFactory, RoomFactory, TherapistFactory
from therapists.models import Therapist, WorkingHours

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UPTOWN_ADDRESS = "200 Beacon Street, Boston, MA 02116"


@pytest.fixture
def uptown(site_catalogue: dict[str, Any]) -> Location:
    """Uptown, the clinic's second location: one room, and Eve, who works there on Tuesdays."""
    default_location()  # the personas' location comes first
    location: Location = LocationFactory.create(
        name="Uptown", address=UPTOWN_ADDRESS, phone="+16175550188", display_order=5
    )
    RoomFactory(location=location, name="Room A")
    eve: Therapist = TherapistFactory.create(display_name="Eve Evans", massage_types=[site_catalogue["deep_tissue"]])
    WorkingHours.objects.create(therapist=eve, location=location, weekday=1, start=time(9), end=time(17))
    return location


def test_a_patient_books_at_the_second_location_and_is_remembered_next_time(
    page: Page, live_server: Any, patient: User, uptown: Location, clock: Any
) -> None:
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/")
    wait_until_ready(page)

    # Where comes first; nothing else is asked until it is answered.
    expect(page.locator("#step-where-title")).to_contain_text("Where?")
    expect(page.locator("#step-type")).to_be_hidden()
    where = page.get_by_role("group", name="Location")
    expect(where).to_contain_text(default_location().name)
    expect(where).to_contain_text(UPTOWN_ADDRESS)
    check_accessibility(page)
    screenshot(page, "book-where")
    page.locator("[data-continue=where]").click()
    expect(page.locator("#where-error")).to_contain_text("Please choose where")
    page.get_by_label(re.compile("^Uptown")).check()
    page.locator("[data-continue=where]").click()
    expect(page.locator("#step-where-summary")).to_have_text(f"Uptown · {UPTOWN_ADDRESS}")

    page.get_by_label(re.compile("^✓? ?Deep tissue")).check()
    page.locator("[data-continue=type]").click()
    # Only who works at Uptown is offered.
    therapists = page.locator("#therapist-options")
    expect(therapists).to_contain_text("Eve Evans")
    expect(therapists).not_to_contain_text("Carol Chen")
    page.locator("[data-continue=therapist]").click()

    expect(page.locator("#step-time .zone-name")).to_contain_text("America/New_York")
    pick_tuesday_at(page, "9:00 AM")
    page.locator("[data-continue=time]").click()
    page.locator("[data-continue=intake]").click()

    summary = page.locator("#summary")
    expect(summary).to_contain_text(f"Uptown, {UPTOWN_ADDRESS}")
    expect(summary).to_contain_text("Tuesday, March 3, 2026 at 9:00")
    check_accessibility(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    expect(page.locator(".summary")).to_contain_text(f"Uptown, {UPTOWN_ADDRESS}")
    appointment = Appointment.objects.select_related("room__location").get(patient=patient)
    assert appointment.location == uptown
    assert appointment.start == datetime(2026, 3, 3, 9, 0, tzinfo=CLINIC_ZONE)

    # My appointments says where.
    page.goto(f"{live_server.url}/appointments/")
    expect(page.locator(f"#appointment-{appointment.pk} [data-testid=location]")).to_have_text(
        f"Uptown · {UPTOWN_ADDRESS}"
    )

    # The next visit starts at Uptown, folded into its line, with the massages open.
    page.goto(f"{live_server.url}/book/")
    wait_until_ready(page)
    expect(page.locator("#step-where-summary")).to_have_text(f"Uptown · {UPTOWN_ADDRESS}")
    expect(page.locator("#step-where-content")).to_be_hidden()
    expect(page.locator("#step-type")).to_be_visible()
    page.locator("[data-change=where]").click()
    expect(page.get_by_label(re.compile("^Uptown"))).to_be_checked()
    screenshot(page, "book-where-remembered")


def test_the_choice_is_remembered_on_the_device_before_any_booking(
    page: Page, live_server: Any, uptown: Location, clock: Any
) -> None:
    page.goto(f"{live_server.url}/book/")
    wait_until_ready(page)
    page.get_by_label(re.compile("^Uptown")).check()
    page.locator("[data-continue=where]").click()
    expect(page.locator("#step-type")).to_be_visible()

    page.reload()
    wait_until_ready(page)

    expect(page.locator("#step-where-summary")).to_have_text(f"Uptown · {UPTOWN_ADDRESS}")
    expect(page.locator("#step-type")).to_be_visible()
