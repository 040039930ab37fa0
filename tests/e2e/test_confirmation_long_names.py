"""Long names wrap inside the booking confirmation card, on a 360-pixel phone and on a desktop."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Appointment
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import PHONE, VIEWPORT, login, screenshot
from tests.factories import PASSWORD, MassageTypeFactory, TherapistFactory, UserFactory, weekly_hours

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Sixty characters and not one space: the worst case for a line that has to break somewhere.
LONG_MASSAGE = "Myofascialreleaseandtriggerpointtherapyforthelowerbackandhip"
LONG_EMAIL = "maximiliana.alexandrina.wolfeschlegelsteinhausen@example.test"


@pytest.fixture
def long_named_booking(clock: Any) -> Appointment:
    assert len(LONG_MASSAGE) == 60
    massage = MassageTypeFactory(name=LONG_MASSAGE, slug="long-massage", duration_minutes=60)
    user = UserFactory(email="bartholomew@example.test", first_name="Bartholomew", last_name="Wolfeschlegel")
    therapist = TherapistFactory(
        user=user, display_name="Bartholomew Wolfeschlegelsteinhausenbergerdorffvoralternwaren", massage_types=[massage]
    )
    weekly_hours(therapist)
    patient = UserFactory(
        email=LONG_EMAIL, first_name="Maximilianaalexandrinawolfeschlegel", last_name="Steinhausenbergerdorff"
    )
    start = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
    return services.book(patient=patient, therapist=therapist, massage_type=massage, start=start)


def _card_fits(page: Page, live_server: Any, appointment: Appointment, width: int) -> None:
    login(page, live_server, LONG_EMAIL, PASSWORD)
    page.goto(f"{live_server.url}/appointments/{appointment.pk}/confirmed/")
    card = page.locator(".confirmation")
    expect(card).to_contain_text(LONG_MASSAGE)
    expect(card).to_contain_text(LONG_EMAIL)
    widths = card.evaluate(
        """card => {
            const edge = card.getBoundingClientRect().right;
            const overhangs = [...card.querySelectorAll("*")].map((el) => el.getBoundingClientRect().right - edge);
            return [card.scrollWidth, card.clientWidth, ...overhangs];
        }"""
    )
    scroll_width, client_width, *overhangs = widths
    assert scroll_width <= client_width, f"the card is {scroll_width}px of content in {client_width}px"
    assert max(overhangs) <= 0.5, "something in the card reaches past its right edge"
    page_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert page_width <= width, f"the page is {page_width}px wide on a {width}px screen"


def test_long_names_wrap_inside_the_confirmation_card_on_a_phone(
    phone: Page, live_server: Any, long_named_booking: Appointment
) -> None:
    _card_fits(phone, live_server, long_named_booking, PHONE["width"])
    screenshot(phone, "mobile-confirmation-long-names")


def test_long_names_wrap_inside_the_confirmation_card_on_a_desktop(
    page: Page, live_server: Any, long_named_booking: Appointment
) -> None:
    _card_fits(page, live_server, long_named_booking, VIEWPORT["width"])
