"""Red flags in a real browser: the questionnaire sends the patient to a doctor, the intake asks for confirmation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from booking.models import Appointment
from clinic.models import User
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_red_flag_in_the_questionnaire_means_see_a_doctor_first_without_a_booking_button(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], clock: Any
) -> None:
    page.goto(f"{live_server.url}/find-your-massage/")
    page.get_by_role("group", name="Where does your back hurt most?").get_by_label("Lower back").check()
    page.get_by_label("Less than 6 weeks").check()
    page.get_by_label("Stiff, hard to move or bend").check()
    page.get_by_label("A recent fall, accident or injury to the back").check()
    page.get_by_role("button", name="Show my suggestions").click()

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Please see a doctor first")
    expect(heading).to_be_focused()
    expect(page.get_by_role("alert")).to_contain_text("A recent fall, accident or injury to the back")
    expect(page.locator("main a[href^='/book/']")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Book (deep|swedish|trigger)", re.I))).to_have_count(0)
    check_accessibility(page)
    screenshot(page, "questionnaire-see-doctor")


def test_the_questionnaire_asks_again_when_answers_are_missing(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], clock: Any
) -> None:
    page.goto(f"{live_server.url}/find-your-massage/")
    page.get_by_role("button", name="Show my suggestions").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Where does your back hurt most?: This field is required.")
    summary.get_by_role("link", name=re.compile("Where does your back hurt")).click()
    expect(page.locator("#id_area_0")).to_be_focused()
    check_accessibility(page)


def test_a_red_flag_in_the_booking_intake_needs_the_provider_confirmation(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=swedish")
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    page.locator("label[for=day-2026-03-04]").click()
    page.locator("#slot-options label").filter(has_text=re.compile(r"^\s*9:00\sAM")).click()
    page.locator("[data-continue=time]").click()

    provider = page.get_by_label("I have talked to my doctor or health provider about this massage")
    expect(provider).to_be_hidden()
    page.get_by_label("Numbness, tingling or weakness in the legs").check()
    expect(provider).to_be_visible()
    expect(page.locator("#provider-block")).to_contain_text("a doctor should check your back")

    page.locator("[data-continue=intake]").click()
    expect(page.locator("#intake-error")).to_contain_text("please confirm that you have talked to your doctor")
    expect(page.locator("#error-provider_consulted")).to_contain_text("please confirm")
    expect(provider).to_be_focused()
    expect(page.locator("#step-confirm")).to_be_hidden()
    check_accessibility(page)
    screenshot(page, "book-red-flag")

    provider.check()
    page.locator("[data-continue=intake]").click()
    expect(page.locator("#step-confirm")).to_be_visible()
    expect(page.locator("#intake-error")).to_be_empty()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    appointment = Appointment.objects.get(patient=patient)
    assert appointment.red_flags == ["leg_numbness"]
    assert appointment.provider_consulted is True
