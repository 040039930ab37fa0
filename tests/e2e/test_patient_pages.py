"""Every page of the patient's site in a real browser: accessible, and the account pages work end to end."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from clinic.models import User
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_catalogue_and_therapist_pages_are_accessible_and_lead_into_booking(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], clock: Any
) -> None:
    carol = site_catalogue["carol"]

    page.goto(f"{live_server.url}/massages/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Our massages")
    expect(page.locator(".card")).to_have_count(3)
    check_accessibility(page)
    screenshot(page, "massages")

    page.get_by_role("link", name="Deep tissue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deep tissue")
    expect(page.get_by_role("heading", name="Good for")).to_be_visible()
    expect(page.locator(".tags")).to_contain_text("Chronic low back pain")
    check_accessibility(page)
    screenshot(page, "massage-detail")

    page.get_by_role("link", name="Carol Chen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Carol Chen")
    expect(page.get_by_role("heading", name="What Carol Chen offers")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "therapist-detail")

    page.goto(f"{live_server.url}/therapists/")
    check_accessibility(page)
    screenshot(page, "therapists")
    page.get_by_role("link", name="Book with Carol Chen").click()
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    expect(page.locator("#type-options")).to_contain_text("Massages Carol Chen offers")
    expect(page.locator("#type-options .option")).to_have_count(2)
    page.locator("label[for^=type-]").filter(has_text="Swedish").click()
    page.locator("[data-continue=type]").click()
    expect(page.locator(f"#therapist-{carol.pk}")).to_be_checked()
    check_accessibility(page)


def test_sign_in_out_and_password_reset_pages_work(page: Page, live_server: Any, patient: User, clock: Any) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    check_accessibility(page)
    screenshot(page, "login")
    page.get_by_label("E-mail address").fill(patient.email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    check_accessibility(page)

    login(page, live_server, patient.email, PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check_accessibility(page)
    page.get_by_label("E-mail address").fill(patient.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_accessibility(page)

    found = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", str(mail.outbox[-1].body))
    assert found, mail.outbox[-1].body
    page.goto(f"{live_server.url}{found.group(1)}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check_accessibility(page)
    page.get_by_label("New password", exact=True).fill("fresh-start-2026!")
    page.get_by_label("New password confirmation").fill("fresh-start-2026!")
    page.get_by_role("button", name="Save my new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is changed")
    login(page, live_server, patient.email, "fresh-start-2026!")
