"""A therapist in a real browser: signs in, adds a lunch break, marks a past session completed with SOAP notes."""

from __future__ import annotations

import os
from datetime import date, time

import pytest
from playwright.sync_api import Page, expect

from booking.availability import find_slots
from booking.models import Status
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD
from tests.therapists.portal_setup import RED_FLAG_INTAKE, ZONE, at, book_session
from therapists.models import SessionNoteRevision, WorkingHours

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TUESDAY = date(2026, 3, 3)


def test_therapist_adds_a_break_and_records_a_completed_session(
    page: Page, live_server, other_therapist, patient, massage_type, clock
) -> None:
    dan = other_therapist  # works 10:00-18:00 every day: one span a day to split
    session = book_session(patient, dan, massage_type, at(2, 10), RED_FLAG_INTAKE)
    clock.move_to(at(2, 11, 30))  # the session is over

    login(page, live_server, dan.user.email, PASSWORD)

    # The day: the session with its intake and a red-flag badge that says what it is.
    page.goto(f"{live_server.url}/therapist/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monday, March 2, 2026")
    card = page.locator("article.session").first
    expect(card).to_contain_text("Alice Archer")
    expect(card).to_contain_text("10:00\u201311:00 AM EST")
    expect(card.locator(".badge--alert").first).to_contain_text("Red flags")
    expect(card).to_contain_text("Numbness, tingling or weakness in the legs")
    check_accessibility(page)
    screenshot(page, "therapist-day")

    # A lunch break on Tuesday: 10:00-18:00 becomes 10:00-13:00 and 14:00-18:00.
    page.get_by_role("link", name="Working hours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Working hours")
    page.locator("#id_form-1-end").fill("13:00")
    page.get_by_role("button", name="Add a span").click()
    page.locator("#id_form-8-weekday").select_option(label="Tuesday")
    page.locator("#id_form-8-start").fill("14:00")
    page.locator("#id_form-8-end").fill("18:00")
    check_accessibility(page)
    page.get_by_role("button", name="Save working hours").click()
    expect(page.get_by_role("status")).to_contain_text("Working hours saved")
    screenshot(page, "therapist-working-hours")
    tuesday_spans = list(WorkingHours.objects.filter(therapist=dan, weekday=1).values_list("start", "end"))
    assert tuesday_spans == [(time(10), time(13)), (time(14), time(18))]
    free = [f"{s.start.astimezone(ZONE):%H:%M}" for s in find_slots(massage_type, TUESDAY, TUESDAY, [dan])]
    assert "12:00" in free and "13:00" not in free and "14:00" in free

    # The past session: mark it completed, then write the SOAP note.
    page.get_by_role("link", name="Day").click()
    page.get_by_role("link", name="10:00\u201311:00 AM EST \u00b7 Deep tissue").click()
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("status")).to_contain_text("Session marked completed.")
    expect(page.get_by_test_id("session-status")).to_have_text("Completed")
    page.get_by_label("Subjective").fill("Low back tight after long drives.")
    page.get_by_label("Objective").fill("Hypertonic left QL, tender L4-L5 paraspinals.")
    page.get_by_label("Assessment").fill("Muscular low back pain, improving.")
    page.get_by_label("Plan").fill("Heat, walking; review in two weeks.")
    page.get_by_label("Pain after the session (0-10)").fill("3")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status")).to_contain_text("Treatment note saved.")
    history = page.locator(".revisions")
    expect(history).to_contain_text("Revision 1")
    expect(history).to_contain_text("Heat, walking; review in two weeks.")
    expect(history).to_contain_text("3 / 10")
    check_accessibility(page)
    screenshot(page, "therapist-session")

    session.refresh_from_db()
    assert session.status == Status.COMPLETED
    assert SessionNoteRevision.objects.filter(note__appointment=session, author=dan.user).count() == 1


def test_therapist_takes_time_off_and_chooses_to_cancel_the_booked_session(
    page: Page, live_server, therapist, patient, massage_type, clock
) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    login(page, live_server, therapist.user.email, PASSWORD)

    page.goto(f"{live_server.url}/therapist/time-off/")
    page.get_by_label("From").fill("2026-03-03T09:00")
    page.get_by_label("Until").fill("2026-03-03T17:00")
    page.get_by_label("Reason (private, optional)").fill("Training day")
    page.get_by_role("button", name="Add time off").click()

    # Nothing is done yet: the session is shown and a choice is asked for.
    expect(page.get_by_role("heading", level=2).first).to_contain_text("covers 1 booked session")
    expect(page.locator(".conflicts")).to_contain_text("Alice Archer")
    check_accessibility(page)
    screenshot(page, "therapist-time-off-conflict")
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED

    page.get_by_label("Cancel these sessions and notify the patients").check()
    page.get_by_role("button", name="Confirm time off").click()
    expect(page.get_by_role("status")).to_contain_text("1 session(s) cancelled and the patients notified")
    expect(page.locator(".time-off-list")).to_contain_text("Training day")
    session.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert session.cancelled_by == therapist.user

    page.get_by_role("link", name="Calendar feed").click()
    expect(page.get_by_label("Your private calendar link")).to_have_value(
        f"{live_server.url}/therapist/feed/{therapist.calendar_token}.ics"
    )
    check_accessibility(page)
