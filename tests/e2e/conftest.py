"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Shared by every tests/e2e/test_*.py module. A missing browser is a failure, never a skip:
the pages are only tested when a real browser renders them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django's async-safety check
# would otherwise refuse the ORM calls the tests make between browser steps.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, ViewportSize, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
# Pinned in package.json / package-lock.json and installed by `make test` (npm ci).
AXE_PATH = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}

# Assertions wait as long as actions do (the contexts' 10 s): on two busy cores a page's fetch
# can take longer than Playwright's default 5 s without anything being wrong.
expect.set_options(timeout=10_000)


def chromium_path() -> str:
    """Return the Chromium executable the tests drive (CHROMIUM_PATH, default Debian's)."""
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Launch one headless Chromium for the whole session."""
    executable = chromium_path()
    if not Path(executable).exists():
        pytest.fail(
            f"Chromium was not found at {executable}. Install Debian's chromium package "
            "(apt-get install chromium) or set CHROMIUM_PATH to the executable.",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


# Console messages of Content-Security-Policy violations, per open page. The pages must
# run under the real policy (no inline scripts or styles), so a violation fails the test.
_csp_violations: dict[int, list[str]] = {}
# Pages where the axe-core injection was refused by the policy: its own violation report
# (which may arrive later) is expected once and is not the site's fault.
_axe_refusals: dict[int, int] = {}


def _watch_csp(page: Page) -> None:
    found = _csp_violations.setdefault(id(page), [])

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" not in message.text:
            return
        if "inline script" in message.text and _axe_refusals.get(id(page), 0) > 0:
            _axe_refusals[id(page)] -= 1
            return
        found.append(f"{page.url}: {message.text}")

    page.on("console", record)


@contextmanager
def watch_csp_violations(page: Page) -> Iterator[None]:
    """Fail the test if the page breaks the site's Content-Security-Policy while inside the block."""
    _watch_csp(page)
    try:
        yield
    finally:
        violations = _csp_violations.pop(id(page), [])
        _axe_refusals.pop(id(page), None)
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations), pytrace=False)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """Open a page in a fresh browser context (no cookies, no storage) at desktop size."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        with watch_csp_violations(page):
            yield page
    finally:
        context.close()


PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """Open a page in a fresh context the size of a small phone (360 x 740, touch)."""
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    with watch_csp_violations(page):
        yield page
    context.close()


def assert_fits(page: Page) -> None:
    """Fail if the page is wider than the phone's screen (content cut off or scrolling sideways)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


def login(page: Page, live_server: Any, email: str, password: str) -> None:
    """Sign in through the sign-in page and wait until the site has let the person in."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/login/" in page.url:
        raise AssertionError(f"Signing in as {email} failed; the page says: {page.inner_text('main')[:500]}")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to var/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _ensure_axe() -> Path:
    """Return axe-core's script, as `make test` installed it from the lock file."""
    if not AXE_PATH.exists():
        pytest.fail(f"axe-core is not installed at {AXE_PATH}: run `npm ci` (make test does).", pytrace=False)
    return AXE_PATH


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(node['target'])}: {node.get('failureSummary', '').strip()}")
    return "\n".join(lines)


def check_accessibility(page: Page) -> None:
    """Run axe-core on the page and fail on any serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        axe = _ensure_axe()
        # Expect the refusal before trying: its console report may arrive before the error.
        _axe_refusals[id(page)] = _axe_refusals.get(id(page), 0) + 1
        try:
            page.add_script_tag(path=str(axe))
        except PlaywrightError as exc:
            if "Content Security Policy" not in str(exc):
                raise
            # The site's policy forbids inline scripts, and add_script_tag injects one;
            # evaluating through the DevTools protocol is not subject to the page's policy.
            page.evaluate(axe.read_text())
        else:
            _axe_refusals[id(page)] -= 1
    results = page.evaluate("async () => await window.axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    if blocking:
        raise AssertionError(
            f"Accessibility violations on {page.url}:\n{_describe(blocking)}\n"
            f"(all: {json.dumps([v['id'] for v in results['violations']])})"
        )


@pytest.fixture
def site_catalogue(massage_type: Any, therapist: Any, other_therapist: Any) -> dict[str, Any]:
    """Give the personas' clinic three massages: deep tissue (both therapists), Swedish (Carol), trigger point (Dan)."""
    from tests.factories import MassageTypeFactory

    swedish = MassageTypeFactory(
        name="Swedish massage",
        slug="swedish",
        description="Long, flowing strokes at light to medium pressure.",
        good_for="stress, stiffness, first massage",
        duration_minutes=60,
        buffer_minutes=15,
        display_order=1,
        suits_areas=["whole_back", "upper_back"],
        suits_feelings=["stress", "stiffness"],
        pressures=["light", "medium"],
    )
    trigger_point = MassageTypeFactory(
        name="Trigger point therapy",
        slug="trigger-point",
        description="Steady pressure on tender knots.",
        good_for="knots, referred pain",
        duration_minutes=45,
        buffer_minutes=15,
        display_order=3,
        suits_areas=["lower_back", "neck_shoulders", "upper_back"],
        suits_feelings=["knots"],
        pressures=["medium", "firm", "deep"],
    )
    # What the questionnaire ranks by: the catalogue's own data (website.questionnaire).
    massage_type.display_order = 2
    massage_type.good_for = "chronic low back pain, stiffness, knots"
    massage_type.suits_areas = ["lower_back", "upper_back"]
    massage_type.suits_feelings = ["knots"]
    massage_type.pressures = ["firm", "deep"]
    massage_type.save()
    therapist.massage_types.add(swedish)
    other_therapist.massage_types.add(trigger_point)
    return {
        "deep_tissue": massage_type,
        "swedish": swedish,
        "trigger_point": trigger_point,
        "carol": therapist,
        "dan": other_therapist,
    }
