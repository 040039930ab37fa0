"""A patient in a real browser books a massage: from the guidance to the confirmation, and when the slot goes.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic (tests/conftest.py); the live
server runs in this process, so it sees the same time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import Page, expect

from booking import services
from booking.models import Appointment
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TUESDAY_10 = datetime(2026, 3, 3, 10, 0, tzinfo=CLINIC_ZONE)


def time_label(text: str) -> re.Pattern[str]:
    """Match a time as Intl formats it ("10:00 AM", whatever space ICU puts before AM)."""
    hour_minute, meridiem = text.split(" ")
    return re.compile(rf"^\s*✓?\s*{re.escape(hour_minute)}\s{meridiem}")


def wait_until_ready(page: Page) -> None:
    expect(page.locator("#booking-form")).to_have_attribute("data-ready", "true")


def pick_tuesday_at(page: Page, time_text: str) -> None:
    page.locator("label[for=day-2026-03-03]").click()
    expect(page.locator("#slots-legend")).to_have_text("Free times on Tuesday, March 3, 2026")
    page.locator("#slot-options label").filter(has_text=time_label(time_text)).click()


def fill_intake(page: Page, *, pain: int, notes: str) -> None:
    page.get_by_label("Lower back", exact=True).check()
    page.locator(f"label[for=pain-{pain}]").click()
    page.get_by_label("Firm", exact=True).check()
    page.get_by_label("Anything else your therapist should know?").fill(notes)


def test_new_patient_books_from_the_guidance_to_the_confirmation(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], clock: Any
) -> None:
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Massage for a calmer, easier back")
    check_accessibility(page)
    screenshot(page, "home")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Back pain guide").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Massage for back pain")
    expect(page.locator("#how-it-helps")).to_contain_text("increases local circulation")
    check_accessibility(page)
    screenshot(page, "guidance")

    # Find the right massage: chronic knots in the lower back, firm pressure.
    page.locator(".next-steps").get_by_role("link", name="Find the right massage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find the right massage")
    check_accessibility(page)
    screenshot(page, "questionnaire")
    page.get_by_role("group", name="Where does your back hurt most?").get_by_label("Lower back").check()
    page.get_by_label("6 weeks or longer").check()
    page.get_by_label("Tight knots or tender spots").check()
    page.get_by_role("group", name="What pressure do you prefer?").get_by_label("Firm").check()
    page.get_by_role("button", name="Show my suggestions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Massages that suit you")
    expect(page.locator(".suggestion").first).to_contain_text("Deep tissue")
    expect(page.get_by_role("heading", level=1)).to_be_focused()
    check_accessibility(page)
    screenshot(page, "questionnaire-suggestions")

    # Into the booking flow with the massage chosen.
    page.get_by_role("link", name="Book deep tissue").click()
    wait_until_ready(page)
    expect(page.get_by_label(re.compile("^✓? ?Deep tissue"))).to_be_checked()
    expect(page.locator("#step-therapist")).to_be_visible()
    check_accessibility(page)
    page.locator("[data-continue=type]").click()
    expect(page.get_by_label(re.compile("Any available therapist"))).to_be_checked()
    page.locator("[data-continue=therapist]").click()

    expect(page.locator("#step-time .zone-name")).to_contain_text("Eastern Time (America/New_York)")
    expect(page.locator("#days-range")).to_have_text("Mon, Mar 2 to Sun, Mar 15")
    pick_tuesday_at(page, "10:00 AM")
    check_accessibility(page)
    screenshot(page, "book-time")
    page.locator("[data-continue=time]").click()

    expect(page.locator("#step-intake")).to_be_visible()
    fill_intake(page, pain=6, notes="Stiff in the mornings after long drives.")
    check_accessibility(page)
    page.locator("[data-continue=intake]").click()

    summary = page.locator("#summary")
    expect(summary).to_contain_text("Deep tissue (60 minutes)")
    expect(summary).to_contain_text("Tuesday, March 3, 2026 at 10:00")
    expect(page.locator("#confirm-button")).to_be_hidden()
    expect(page.locator("#late-change-warning")).to_be_hidden()  # 26 hours ahead: changeable online for 2
    check_accessibility(page)
    screenshot(page, "book-confirm-anonymous")

    # Create an account on the way: the booking waits in the tab.
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    check_accessibility(page)
    page.get_by_label("First name").fill("Erin")
    page.get_by_label("Last name").fill("Evans")
    page.get_by_label("E-mail address").fill("erin@example.test")
    page.get_by_label("Phone number").fill("617 555 0199")
    page.get_by_label("Password", exact=True).fill("calm-back-2026!")
    page.get_by_label("Password again").fill("calm-back-2026!")
    screenshot(page, "signup")
    page.get_by_role("button", name="Create my account").click()

    # The same tab asks for the code from the confirmation e-mail (the known-address answer too).
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_accessibility(page)
    [message] = mail.outbox
    code = re.search(r"signed up: (\d{6})", message.body)
    assert code, message.body
    page.get_by_label("Code from the e-mail").fill(code.group(1))
    screenshot(page, "signup-code")
    page.get_by_role("button", name="Confirm my address").click()

    # Back on /book/ with everything as it was, at the last step.
    expect(page).to_have_url(re.compile(r"/book/\?resume=1$"))
    wait_until_ready(page)
    expect(page.locator("#step-confirm-title")).to_be_focused()
    expect(page.locator("#summary")).to_contain_text("Tuesday, March 3, 2026 at 10:00")
    expect(page.locator("#pain-6")).to_be_checked()
    expect(page.get_by_label("Anything else your therapist should know?")).to_have_value(
        "Stiff in the mornings after long drives."
    )
    check_accessibility(page)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    expect(page.locator(".summary")).to_contain_text("Tuesday, March 3, 2026 at 10:00 AM")
    check_accessibility(page)
    screenshot(page, "booking-confirmed")

    erin = User.objects.get(email="erin@example.test")
    appointment = Appointment.objects.get(patient=erin)
    assert appointment.start == TUESDAY_10
    assert appointment.massage_type == site_catalogue["deep_tissue"]
    assert appointment.pain_level == 6
    assert appointment.pressure == "firm"
    assert appointment.focus_areas == "Lower back"
    assert appointment.health_notes == "Stiff in the mornings after long drives."
    assert appointment.red_flags == []
    assert erin.phone == "+16175550199"
    assert page.url.endswith(f"/appointments/{appointment.pk}/confirmed/")

    href = page.get_by_role("link", name=re.compile("Add to calendar")).get_attribute("href")
    ics = page.request.get(f"{live_server.url}{href}")
    assert ics.status == 200
    event = Calendar.from_ical(ics.body()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == TUESDAY_10


def test_the_booking_steps_work_with_the_keyboard_alone(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], clock: Any
) -> None:
    page.goto(f"{live_server.url}/book/")
    wait_until_ready(page)

    # Step 1: Tab into the massages, arrow to the second, Tab to Continue and press Enter.
    page.locator("#step-type-title").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#type-options input").first).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#type-options input").nth(1)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("[data-continue=type]")).to_be_focused()
    page.keyboard.press("Enter")

    # Step 2: the focus moves to the step's heading; choose Carol with the arrows.
    expect(page.locator("#step-therapist-title")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label(re.compile("Carol Chen"))).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    # Step 3: past the pager to the days (Monday is chosen), to the times, choose one with Space.
    expect(page.locator("#step-time-title")).to_be_focused()
    expect(page.locator("#day-2026-03-02")).to_be_checked()
    page.locator("#day-2026-03-02").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#day-2026-03-03")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("#slot-0")).to_be_focused()
    expect(page.locator("#slot-0:focus-visible + label")).to_have_count(1)
    page.keyboard.press("Space")
    expect(page.locator("#slot-0")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.locator("[data-continue=time]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#step-intake-title")).to_be_focused()
    check_accessibility(page)


def test_a_slot_taken_meanwhile_is_explained_with_the_nearest_times_and_the_intake_kept(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    other_patient: User,
    clock: Any,
) -> None:
    carol = site_catalogue["carol"]
    deep_tissue = site_catalogue["deep_tissue"]
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=deep-tissue&therapist={carol.pk}")
    wait_until_ready(page)
    expect(page.get_by_label(re.compile("Carol Chen"))).to_be_checked()
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    pick_tuesday_at(page, "10:00 AM")
    page.locator("[data-continue=time]").click()
    fill_intake(page, pain=4, notes="Left side worse than right.")
    page.locator("[data-continue=intake]").click()
    expect(page.get_by_role("button", name="Confirm booking")).to_be_visible()

    # Someone else books Carol at Tuesday 10:00 while the page is open.
    services.book(patient=other_patient, therapist=carol, massage_type=deep_tissue, start=TUESDAY_10)
    page.get_by_role("button", name="Confirm booking").click()

    error = page.locator("#confirm-error")
    expect(error).to_contain_text("was booked by someone else a moment ago")
    expect(error).to_contain_text("Your answers are kept")
    alternatives = page.locator("#alternative-options input")
    expect(alternatives.first).to_be_focused()
    labels = page.locator("#alternative-options label").all_inner_texts()
    assert labels, "nearest free times are offered"
    # Carol's morning ends at 12:00 and 10:00 holds her until 11:15: the nearest start is after lunch.
    assert re.match(r"Tue, Mar 3, 1:00\sPM", labels[0]), labels
    expect(page.get_by_label("Anything else your therapist should know?")).to_have_value("Left side worse than right.")
    expect(page.locator("#pain-4")).to_be_checked()
    check_accessibility(page)
    screenshot(page, "book-slot-taken")

    page.locator("#alternative-options label").filter(has_text=re.compile(r"1:00\sPM")).click()
    expect(page.locator("#summary")).to_contain_text("Tuesday, March 3, 2026 at 1:00")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    mine = Appointment.objects.get(patient=patient)
    assert mine.start == datetime(2026, 3, 3, 13, 0, tzinfo=CLINIC_ZONE)
    assert mine.therapist == carol
    assert mine.health_notes == "Left side worse than right."
    assert mine.pain_level == 4


def test_with_any_therapist_a_taken_slot_offers_another_therapist_at_the_same_time(
    page: Page,
    live_server: Any,
    site_catalogue: dict[str, Any],
    patient: User,
    other_patient: User,
    clock: Any,
) -> None:
    carol, dan = site_catalogue["carol"], site_catalogue["dan"]
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=deep-tissue")
    wait_until_ready(page)
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    pick_tuesday_at(page, "10:00 AM")
    page.locator("[data-continue=time]").click()
    page.locator("[data-continue=intake]").click()
    expect(page.locator("#summary")).to_contain_text("Carol Chen")

    services.book(patient=other_patient, therapist=carol, massage_type=site_catalogue["deep_tissue"], start=TUESDAY_10)
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.locator("#confirm-error")).to_contain_text("was booked by someone else")
    first = page.locator("#alternative-options label").first
    expect(first).to_contain_text(re.compile(r"Tue, Mar 3, 10:00\sAM"))
    expect(first).to_contain_text("Dan Diaz")
    first.click()
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    mine = Appointment.objects.get(patient=patient)
    assert (mine.start, mine.therapist) == (TUESDAY_10, dan)


def test_a_time_inside_the_24_hours_is_flagged_before_booking_and_the_confirmation_says_to_call(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    carol = site_catalogue["carol"]
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/book/?type=deep-tissue&therapist={carol.pk}")
    wait_until_ready(page)
    page.locator("[data-continue=type]").click()
    page.locator("[data-continue=therapist]").click()
    # Today (Monday 2 March) at 2:00 PM: six hours from the pinned 08:00.
    page.locator("label[for=day-2026-03-02]").click()
    page.locator("#slot-options label").filter(has_text=time_label("2:00 PM")).click()
    page.locator("[data-continue=time]").click()
    page.locator("[data-continue=intake]").click()

    warning = page.locator("#late-change-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("once booked it cannot be cancelled or moved online")
    expect(warning).to_contain_text("+1 617 555 0142")
    check_accessibility(page)
    screenshot(page, "book-confirm-inside-window")

    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your massage is booked")
    tips = page.locator("[data-testid=change-policy]")
    expect(tips).to_contain_text("can no longer be cancelled or moved online")
    expect(tips).to_contain_text("+1 617 555 0142")
    expect(page.locator("body")).not_to_contain_text("online until")
    assert Appointment.objects.get(patient=patient).start == datetime(2026, 3, 2, 14, 0, tzinfo=CLINIC_ZONE)
