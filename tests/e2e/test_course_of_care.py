"""A course of care in a real browser: from the questionnaire to a booked six-week course, the chart, the home plan."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from clinic.models import User
from courses import records
from courses.models import Course, HomeCareItem
from courses.records import PlanData, Scores
from tests.conftest import CLINIC_ZONE
from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_patient_books_a_six_week_course_and_sees_the_chart_and_the_home_plan(
    page: Page, live_server: Any, site_catalogue: dict[str, Any], patient: User, clock: Any
) -> None:
    carol = site_catalogue["carol"]
    login(page, live_server, patient.email, PASSWORD)
    page.goto(f"{live_server.url}/find-your-massage/")
    page.get_by_role("group", name="Where does your back hurt most?").get_by_label("Lower back").check()
    page.get_by_label("6 weeks or longer").check()
    page.get_by_label("Tight knots or tender spots").check()
    page.get_by_role("button", name="Show my suggestions").click()
    page.get_by_role("link", name="Plan a course of deep tissue").click()

    page.get_by_label("Therapist").select_option(label="Carol Chen")
    page.get_by_label("Day of the week").select_option(label="Wednesday")
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("How often").select_option(label="Every week")
    page.get_by_label("Number of sessions").select_option("6")
    page.get_by_role("button", name="Show the dates").click()

    dates = page.get_by_test_id("course-date")
    expect(dates).to_have_count(6)
    expect(page.get_by_text("Every date fits.")).to_be_visible()
    # Across the change to summer time on 8 March: 10:00 every Wednesday.
    expect(dates.nth(0)).to_contain_text("Wednesday, March 4, 2026")
    expect(dates.nth(1)).to_contain_text("10:00\u201311:00 AM EDT")
    check_accessibility(page)
    page.get_by_role("button", name="Book the course").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your course of Deep tissue")
    course = Course.objects.get(patient=patient)
    sessions = list(course.sessions())
    assert len(sessions) == 6 and {s.therapist_id for s in sessions} == {carol.pk}

    # Carol records the measures at the first two sessions and a home plan after the second.
    item = HomeCareItem.objects.create(
        title="Knee hug for the lower back",
        steps="Lie on your back.\nHug one knee for 20 seconds.",
        how_often="Twice a day",
        not_for="Anyone after recent hip surgery.",
        reviewed_on=datetime(2026, 11, 24).date(),
    )
    records.record_measures(
        appointment=sessions[0],
        by=carol.user,
        scores=Scores(7, 8, 6),
        now=datetime(2026, 3, 4, 10, 30, tzinfo=CLINIC_ZONE),
    )
    at_second = datetime(2026, 3, 11, 10, 30, tzinfo=CLINIC_ZONE)
    records.record_measures(appointment=sessions[1], by=carol.user, scores=Scores(4, 6, 3), now=at_second)
    records.set_home_plan(
        appointment=sessions[1], by=carol.user, data=PlanData([item.pk], note="Little and often."), now=at_second
    )

    page.reload()
    chart = page.locator("svg.progress-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text("Your back pain over the course")
    table = page.get_by_test_id("progress-table")
    expect(table.get_by_role("row")).to_have_count(7)
    expect(table.get_by_role("row").nth(2)).to_contain_text(re.compile(r"2 · Mar 11\s*4\s*6\s*3"))
    expect(page.get_by_test_id("trend")).to_have_text("Improving")
    expect(page.get_by_role("heading", name="Knee hug for the lower back")).to_be_visible()
    expect(page.get_by_text("Little and often.")).to_be_visible()
    check_accessibility(page)
    screenshot(page, "course-of-care")

    page.goto(f"{live_server.url}/courses/")
    expect(page.get_by_role("heading", name="Knee hug for the lower back")).to_be_visible()
    check_accessibility(page)
