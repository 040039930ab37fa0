"""The booking page tells the truth and does not jump: Closed days, weekday columns, the catalogue in
the first paint, folded steps, the questionnaire's answers, the confirm step, and a reschedule that
overlaps its own old time.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic (tests/conftest.py).
"""

from __future__ import annotations

import re
from datetime import datetime, time
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from booking import services
from booking.models import Appointment
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import login, watch_csp_violations
from tests.e2e.test_patient_booking import pick_tuesday_at, time_label, wait_until_ready
from tests.factories import PASSWORD, TherapistFactory, UserFactory, weekly_hours

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def erin(site_catalogue: dict[str, Any]) -> Any:
    """Erin gives deep tissue Monday to Friday, 09:00-17:00, and never at the weekend."""
    user = UserFactory(email="erin.ellis@example.test", first_name="Erin", last_name="Ellis")
    therapist = TherapistFactory(user=user, display_name="Erin Ellis", massage_types=[site_catalogue["deep_tissue"]])
    weekly_hours(therapist, start=time(9), end=time(17), days=range(5))
    return therapist


def open_days_of(page: Page, live_server: Any, therapist: Any) -> None:
    page.goto(f"{live_server.url}/book/?type=deep-tissue&therapist={therapist.pk}")
    wait_until_ready(page)
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    expect(page.locator("#day-options .day").first).to_be_visible()


def assert_weekday_columns(page: Page) -> None:
    headers = page.locator("#step-time .day-grid__weekday")
    expect(headers).to_have_count(7)
    assert headers.all_inner_texts() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    columns = [box["x"] for box in (headers.nth(index).bounding_box() for index in range(7)) if box]

    def column_of(day: str) -> int:
        box = page.locator(f"label[for=day-{day}]").bounding_box()
        assert box is not None
        return min(range(7), key=lambda index: abs(columns[index] - box["x"]))

    def x_of(day: str) -> float:
        box = page.locator(f"label[for=day-{day}]").bounding_box()
        assert box is not None
        return box["x"]

    # Monday 2 March to Sunday 15 March: two full weeks, each day under its own weekday.
    assert [column_of(f"2026-03-{day:02d}") for day in range(2, 16)] == [*range(7), *range(7)]
    assert abs(x_of("2026-03-02") - x_of("2026-03-09")) < 1
    assert abs(x_of("2026-03-08") - columns[6]) < 8


def test_a_day_the_therapist_does_not_work_says_closed_and_a_worked_one_does_not(
    page: Page, live_server: Any, erin: Any, clock: Any
) -> None:
    open_days_of(page, live_server, erin)

    expect(page.locator("label[for=day-2026-03-07]")).to_contain_text("Closed")
    expect(page.locator("label[for=day-2026-03-08]")).to_contain_text("Closed")
    expect(page.locator("#day-2026-03-07")).to_be_disabled()
    expect(page.locator("label[for=day-2026-03-03]")).to_contain_text(re.compile(r"\d+ free"))
    expect(page.locator("#day-options")).not_to_contain_text("Full")


def test_a_worked_day_without_free_times_says_full(
    page: Page, live_server: Any, erin: Any, patient: User, other_patient: User, clock: Any
) -> None:
    # Thursday's hours shrink to one session, which Bob takes.
    erin.working_hours.filter(weekday=3).update(start=time(9), end=time(10))
    thursday_9 = datetime(2026, 3, 5, 9, tzinfo=CLINIC_ZONE)
    services.book(patient=other_patient, therapist=erin, massage_type=erin.massage_types.get(), start=thursday_9)

    open_days_of(page, live_server, erin)

    expect(page.locator("label[for=day-2026-03-05]")).to_contain_text("Full")
    expect(page.locator("label[for=day-2026-03-07]")).to_contain_text("Closed")


def test_the_days_line_up_in_seven_weekday_columns(page: Page, live_server: Any, erin: Any, clock: Any) -> None:
    open_days_of(page, live_server, erin)
    assert_weekday_columns(page)

    # A window that starts mid-week offsets its first row to that weekday.
    page.locator("#days-later").click()
    expect(page.locator("#days-range")).to_have_text("Mon, Mar 16 to Sun, Mar 29")
    page.locator("#days-earlier").click()
    expect(page.locator("#days-range")).to_have_text("Mon, Mar 2 to Sun, Mar 15")


def test_the_weekday_columns_fit_a_360_pixel_phone(browser: Browser, live_server: Any, erin: Any, clock: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US", has_touch=True)
    context.set_default_timeout(10_000)
    phone = context.new_page()
    try:
        with watch_csp_violations(phone):
            open_days_of(phone, live_server, erin)
            assert_weekday_columns(phone)
            overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page is {overflow}px wider than the phone"
            expect(phone.locator("label[for=day-2026-03-07]")).to_contain_text("Closed")
    finally:
        context.close()


class _TypeOptions(HTMLParser):
    """Collect the text inside #type-options of a page's HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.text: list[str] = []
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth:
            self.depth += tag != "input"
            if tag == "input":
                self.inputs.append(dict(attrs))
        elif dict(attrs).get("id") == "type-options":
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def test_the_catalogue_is_in_the_page_before_any_script_runs(site_catalogue: dict[str, Any]) -> None:
    response = Client().get("/book/?type=swedish")

    options = _TypeOptions()
    options.feed(response.content.decode())
    text = " ".join(options.text)
    for name in ("Swedish massage", "Deep tissue", "Trigger point therapy"):
        assert name in text
    assert "Loading massages" not in text
    assert "60 minutes · $" in text
    swedish = site_catalogue["swedish"]
    first = options.inputs[0]  # Swedish is first in the clinic's display order
    assert (first["name"], first["value"]) == ("massage_type", str(swedish.pk))
    assert [field["value"] for field in options.inputs if "checked" in field] == [str(swedish.pk)]


def test_finished_steps_fold_and_the_questionnaire_answers_reach_the_confirm_step(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=deep-tissue#area=lower_back&pressure=firm")
    wait_until_ready(page)
    expect(page.get_by_label("Lower back", exact=True)).to_be_checked()
    expect(page.locator("#pressure-firm")).to_be_checked()
    expect(page.get_by_label("Upper back", exact=True)).not_to_be_checked()

    page.locator("[data-continue=type]").click()
    expect(page.locator("#step-type-content")).to_be_hidden()
    expect(page.locator("#step-type-summary")).to_have_text("Deep tissue · 60 minutes · $90.00")
    page.locator("[data-continue=therapist]").click()
    expect(page.locator("#step-therapist-summary")).to_have_text("Any available therapist")
    pick_tuesday_at(page, "10:00 AM")
    page.locator("[data-continue=time]").click()
    expect(page.locator("#step-time-summary")).to_contain_text("Tuesday, March 3, 2026 at 10:00")
    page.locator("label[for=pain-5]").click()
    page.locator("[data-continue=intake]").click()

    for step in ("type", "therapist", "time", "intake"):
        expect(page.locator(f"#step-{step}-content")).to_be_hidden()
        expect(page.locator(f"#step-{step}-done").get_by_role("button", name=re.compile("^Change"))).to_be_visible()
    expect(page.locator("#step-intake-summary")).to_have_text("Lower back · pain 5 of 10 · firm pressure")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("12 Harbor Street, Suite 3, Boston, MA 02110")
    expect(summary).to_contain_text("Lower back")
    expect(summary).to_contain_text("5 of 10")
    expect(summary).to_contain_text("Firm")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 2400, f"the confirm step's page is {height}px tall"

    # Change reopens a step with its answers; Continue folds it again.
    page.locator("#step-time-done").get_by_role("button", name=re.compile("^Change")).click()
    expect(page.locator("#step-time-content")).to_be_visible()
    expect(page.locator("#step-time-title")).to_be_focused()
    page.locator("#slot-options label").filter(has_text=time_label("11:00 AM")).first.click()
    page.locator("[data-continue=time]").click()
    expect(page.locator("#step-time-content")).to_be_hidden()
    expect(page.locator("#step-time-summary")).to_contain_text("Tuesday, March 3, 2026 at 11:00")

    page.locator("[data-continue=intake]").click()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    booked = Appointment.objects.get(patient=patient)
    assert booked.start == datetime(2026, 3, 3, 11, tzinfo=CLINIC_ZONE)
    assert (booked.focus_areas, booked.pressure, booked.pain_level) == ("Lower back", "firm", 5)


def test_a_reschedule_may_overlap_its_own_old_time(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    carol = site_catalogue["carol"]
    tuesday_10 = datetime(2026, 3, 3, 10, tzinfo=CLINIC_ZONE)
    mine = services.book(patient=patient, therapist=carol, massage_type=site_catalogue["deep_tissue"], start=tuesday_10)

    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/appointments/")
    expect(page.locator("#appointments-page")).to_have_attribute("data-ready", "true")
    card = page.locator(f"#appointment-{mine.pk}")
    card.get_by_role("button", name=re.compile("^Reschedule")).click()
    card.locator(f"label[for=day-{mine.pk}-2026-03-03]").click()
    slots = card.locator("[data-role=slots] label")
    # 10:30 overlaps the session it replaces; without ignoring it, 10:30 would not be offered.
    slots.filter(has_text=time_label("10:30 AM")).click()
    card.get_by_role("button", name="Move my appointment").click()

    expect(page.locator("#flash")).to_contain_text("moved to Tuesday, March 3, 2026 at 10:30")
    mine.refresh_from_db()
    assert mine.start == datetime(2026, 3, 3, 10, 30, tzinfo=CLINIC_ZONE)
    assert mine.therapist == carol
