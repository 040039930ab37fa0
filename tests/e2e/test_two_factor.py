"""A therapist in a real browser sets up two-factor sign-in, as the gate asks, and reaches the portal."""

from __future__ import annotations

import os
import re
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD
from therapists.models import Therapist

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_therapist_sets_up_the_app_from_the_page_and_then_opens_the_portal(
    page: Page, live_server: Any, therapist: Therapist, settings: Any, clock: Any
) -> None:
    settings.TWO_FACTOR_REQUIRED = True
    login(page, live_server, therapist.user.email, PASSWORD)

    # The portal is behind the second factor: the gate sends Carol to set it up first.
    page.goto(f"{live_server.url}/therapist/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Ftherapist%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    check_accessibility(page)
    screenshot(page, "two-factor-enrol")

    # What an authenticator app does with the typed-in setup key.
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    code = f"{totp(b32decode(secret)):06d}"
    field = page.get_by_label("Code from your app")
    expect(field).to_have_attribute("autocomplete", "one-time-code")
    expect(field).to_have_attribute("inputmode", "numeric")
    field.fill(code)
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    expect(page.get_by_role("status")).to_contain_text("Two-factor sign-in is on")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    for text in codes.all_inner_texts():
        assert re.fullmatch(r"[a-z2-7]{8}", text.strip()), text
    check_accessibility(page)
    screenshot(page, "two-factor-recovery-codes")

    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page).to_have_url(f"{live_server.url}/therapist/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monday, March 2, 2026")
