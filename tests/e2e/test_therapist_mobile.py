"""The therapist portal on a 360-pixel-wide phone: nothing cut off, the day menu readable, a short header."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import PHONE, assert_fits, check_accessibility, login, screenshot
from tests.factories import PASSWORD
from tests.therapists.portal_setup import RED_FLAG_INTAKE, at, book_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def assert_nothing_past_the_edge(page: Page) -> None:
    """Fail if the page scrolls sideways or any element reaches past the phone's right edge."""
    assert_fits(page)
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter(el => { const r = el.getBoundingClientRect(); return r.width && r.right > innerWidth + 1; })
            .map(el => el.tagName + (el.id ? '#' + el.id : '') + '.' + el.className)"""
    )
    assert overflowing == [], f"{page.url}: past the right edge: {overflowing[:5]}"


def test_the_portal_works_at_360_pixels(
    phone: Page, live_server: Any, therapist: Any, patient: Any, massage_type: Any, clock: Any
) -> None:
    book_session(patient, therapist, massage_type, at(2, 14), RED_FLAG_INTAKE)
    page = phone
    login(page, live_server, therapist.user.email, PASSWORD)
    assert page.url.endswith("/therapist/"), "a therapist lands on their schedule"

    header = page.evaluate("() => document.querySelector('header').getBoundingClientRect().height")
    assert header <= PHONE["height"] * 0.2, f"the header takes {header:.0f}px of {PHONE['height']}"

    for path, name in [
        ("/therapist/", "mobile-portal-day"),
        ("/therapist/week/", "mobile-portal-week"),
        ("/therapist/hours/", "mobile-portal-hours"),
        ("/therapist/time-off/", "mobile-portal-time-off"),
        ("/therapist/calendar/", "mobile-portal-calendar"),
    ]:
        page.goto(f"{live_server.url}{path}")
        assert_nothing_past_the_edge(page)
        check_accessibility(page)
        screenshot(page, name)

    page.goto(f"{live_server.url}/therapist/hours/")
    day_menu = page.locator("select[name$='-weekday']").first
    # The whole day name shows, not its first letter.
    assert day_menu.evaluate("el => el.scrollWidth <= el.clientWidth && el.clientWidth >= 100"), "day menu cut"
    remove = page.get_by_text("Remove", exact=True).first
    box = remove.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
