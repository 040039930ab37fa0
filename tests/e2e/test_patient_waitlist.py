"""A patient in a real browser joins the waitlist from a full day, gets the offer by e-mail, and books it in one click.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic (tests/conftest.py); the live
server runs in this process, so it sees the same time.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from booking import services as booking
from booking.models import MassageType, Notification, NotificationKind
from clinic.models import User
from notifications import rendering
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD
from tests.waitlist.conftest import consider_all, fill_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_patient_joins_from_a_full_day_gets_the_offer_and_books_it(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, therapist: Any, clock: Any
) -> None:
    swedish = MassageType.objects.get(slug="swedish")  # Carol's alone
    sessions = fill_day(therapist, swedish, timezone.now())
    login(page, live_server, patient.email, PASSWORD)

    page.goto(f"{live_server.url}/book/")
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")
    page.get_by_label(re.compile("^✓? ?Swedish massage")).check()
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    expect(page.locator("#day-2026-03-04")).to_be_disabled()
    prompt = page.locator("#waitlist-prompt")
    expect(prompt).to_be_visible()
    check_accessibility(page)
    screenshot(page, "waitlist-full-day")
    prompt.get_by_role("link", name="Tell me if something opens up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tell me if something opens up")
    expect(page.get_by_label("Massage")).to_have_value(str(swedish.pk))
    expect(page.get_by_label("From")).to_have_value("2026-03-04")
    check_accessibility(page)
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page).to_have_url(re.compile(r"/appointments/$"))
    expect(page.locator("#waitlist")).to_contain_text("Swedish massage")
    screenshot(page, "waitlist-joined")

    # Someone cancels the 10:15 session; the waitlist's task offers it and the e-mail goes out.
    booking.cancel(appointment=sessions[1], by=sessions[1].patient)
    assert len(consider_all(timezone.now())) == 1
    notice = Notification.objects.get(kind=NotificationKind.WAITLIST_OFFER)
    assert rendering.deliver(notice.pk).status == "sent"
    [offer_mail] = [m for m in mail.outbox if "held for you" in m.subject]
    link = re.search(r"http://\S+/waitlist/offers/\S+/", offer_mail.body)
    assert link, offer_mail.body

    page.goto(live_server.url + "/waitlist/" + link.group(0).split("/waitlist/", 1)[1])
    expect(page.get_by_role("heading", level=1)).to_have_text("A time opened up for you")
    expect(page.locator(".summary")).to_contain_text("Wednesday, March 4, 2026 at 10:15")
    check_accessibility(page)
    screenshot(page, "waitlist-offer")
    page.get_by_label("Areas to focus on").fill("Lower back")
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    check_accessibility(page)

    page.get_by_role("link", name="My appointments").first.click()
    upcoming = page.locator("section[aria-labelledby=upcoming-title]")
    expect(upcoming).to_contain_text("Swedish massage with Carol Chen")
    expect(upcoming).to_contain_text("Wednesday, March 4, 2026 at 10:15")
    screenshot(page, "waitlist-booked")
