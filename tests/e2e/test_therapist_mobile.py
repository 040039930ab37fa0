"""The therapist portal on a 360-pixel-wide phone: nothing cut off, the day menu readable, a short header."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.e2e.conftest import check_accessibility, login, screenshot, watch_csp_violations
from tests.factories import PASSWORD
from tests.therapists.portal_setup import RED_FLAG_INTAKE, at, book_session

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    with watch_csp_violations(page):
        yield page
    context.close()


def assert_fits(page: Page) -> None:
    """Fail if anything reaches past the phone's screen (cut off, or the page scrolls sideways)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"
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
        assert_fits(page)
        check_accessibility(page)
        screenshot(page, name)

    page.goto(f"{live_server.url}/therapist/hours/")
    day_menu = page.locator("select[name$='-weekday']").first
    # The whole day name shows, not its first letter.
    assert day_menu.evaluate("el => el.scrollWidth <= el.clientWidth && el.clientWidth >= 100"), "day menu cut"
    remove = page.get_by_text("Remove", exact=True).first
    box = remove.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"]
