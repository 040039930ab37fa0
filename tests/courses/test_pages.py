"""The course pages: the planner, the course page, the portal's part and the course's .ics."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.test import Client

from booking import services as booking
from booking.models import Appointment, Status
from courses.models import Course, HomeCareItem, Measure
from tests.conftest import CLINIC_ZONE
from tests.courses.conftest import ask, book_plan, plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]
READ_ICS = Path(__file__).resolve().parents[1] / "js" / "read-ics.mjs"
ASKED = {"type": "deep-tissue", "weekday": "2", "time": "10:00", "every": "1", "sessions": "4"}


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def confirm_data(page_context: dict) -> dict[str, str]:
    """Return the POST the planner's confirm form sends with every proposal accepted."""
    data = {
        **ASKED,
        "therapist": str(
            page_context["form"].cleaned_data["therapist"].pk if page_context["form"].cleaned_data["therapist"] else ""
        ),
    }
    for row in page_context["rows"]:
        proposed = next(option for option in row["options"] if option["proposed"])
        data[f"session-{row['session'].number}"] = proposed["value"]
    return data


def test_the_planner_shows_every_date_then_books_the_course(patient_client, patient, massage_type, therapist):
    asked = {**ASKED, "therapist": str(therapist.pk)}
    page = patient_client.get("/courses/plan/", asked)

    assert page.status_code == 200
    text = page.content.decode()
    assert text.count('data-testid="course-date"') == 4
    assert "Every date fits." in text
    answer = patient_client.post("/courses/plan/", confirm_data(page.context))

    course = Course.objects.get(patient=patient)
    assert answer.status_code == 302 and answer["Location"] == f"/courses/{course.pk}/"
    assert course.sessions().count() == 4


def test_a_date_taken_meanwhile_shows_the_recomputed_plan(
    patient_client, patient, other_patient, massage_type, therapist
):
    asked = {**ASKED, "therapist": str(therapist.pk)}
    shown = patient_client.get("/courses/plan/", asked)
    booking.book(
        patient=other_patient, therapist=therapist, massage_type=massage_type, start=local(date(2026, 3, 11), 10)
    )

    answer = patient_client.post("/courses/plan/", confirm_data(shown.context))

    assert answer.status_code == 409
    text = answer.content.decode()
    assert "Session 2" in text and "Here is your plan again" in text
    assert text.count("Does not fit") == 1
    assert not Appointment.objects.filter(patient=patient).exists()


def test_a_red_flag_without_a_providers_word_books_nothing(patient_client, patient, massage_type, therapist):
    shown = patient_client.get("/courses/plan/", {**ASKED, "therapist": str(therapist.pk)})

    answer = patient_client.post("/courses/plan/", {**confirm_data(shown.context), "red_flags": "leg_numbness"})

    assert answer.status_code == 400
    assert "Please see a doctor first." in answer.content.decode()
    assert not Appointment.objects.filter(patient=patient).exists()


def test_the_questionnaire_offers_a_course(client, massage_type, therapist):
    massage_type.suits_areas = ["lower_back"]
    massage_type.save()

    page = client.post("/find-your-massage/", {"area": "lower_back", "duration": "chronic"})

    assert "/courses/plan/?type=deep-tissue" in page.content.decode()


def test_the_course_page_shows_the_chart_the_table_and_takes_the_measures(
    patient_client, patient, massage_type, therapist
):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first = course.sessions()[0]

    page = patient_client.get(f"/courses/{course.pk}/")
    text = page.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart"' in text
    assert 'data-testid="progress-table"' in text
    answer = patient_client.post(
        f"/courses/sessions/{first.pk}/measures/", {"pain_now": "6", "pain_worst_week": "8", "interference": "5"}
    )

    assert answer.status_code == 302
    assert Measure.objects.get(appointment=first).pain_worst_week == 8


def test_another_patients_course_is_not_found(client, other_patient, patient, massage_type, therapist):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first = course.sessions()[0]
    client.force_login(other_patient)

    assert client.get(f"/courses/{course.pk}/").status_code == 404
    assert client.get(f"/courses/{course.pk}/calendar.ics").status_code == 404
    assert client.post(f"/courses/{course.pk}/cancel/").status_code == 404
    assert client.post(f"/courses/sessions/{first.pk}/measures/", {"pain_now": "1"}).status_code == 404
    assert course.sessions().filter(status=Status.CONFIRMED).count() == 4


def test_cancelling_from_the_course_page(patient_client, patient, massage_type, therapist):
    course = book_plan(plan(ask(massage_type, therapist)), patient)

    patient_client.post(f"/courses/{course.pk}/cancel/")

    assert course.sessions().filter(status=Status.CANCELLED).count() == 4


def test_the_course_calendar_has_one_event_per_session_as_a_calendar_client_reads_it(
    patient_client, patient, massage_type, therapist
):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    sessions = list(course.sessions())
    node = shutil.which("node")
    assert node, "node is needed to read calendar files with ical.js"

    ics = patient_client.get(f"/courses/{course.pk}/calendar.ics").content
    result = subprocess.run([node, str(READ_ICS)], input=ics, capture_output=True, timeout=60, check=True)  # noqa: S603
    events = json.loads(result.stdout)

    assert [event["uid"].split("@")[0] for event in events] == [f"appointment-{s.pk}" for s in sessions]
    # 10:00 in New York on both sides of the change of 8 March.
    assert [event["start"] for event in events] == [
        s.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for s in sessions
    ]
    assert events[0]["start"] == "2026-03-04T15:00:00Z" and events[1]["start"] == "2026-03-11T14:00:00Z"


def test_the_therapist_records_measures_and_a_home_plan_and_the_week_marks_progress(
    clock, patient, massage_type, therapist
):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first, second, *_ = course.sessions()
    item = HomeCareItem.objects.active()[0]
    client = Client()
    client.force_login(therapist.user)
    clock.move_to(local(date(2026, 3, 4), 10, 30))
    client.post(
        f"/therapist/sessions/{first.pk}/measures/",
        {"measures-pain_now": "7", "measures-pain_worst_week": "8", "measures-interference": "6"},
    )
    clock.move_to(local(date(2026, 3, 11), 10, 30))
    client.post(
        f"/therapist/sessions/{second.pk}/measures/",
        {"measures-pain_now": "4", "measures-pain_worst_week": "5", "measures-interference": "4"},
    )
    answer = client.post(
        f"/therapist/sessions/{second.pk}/home-plan/", {"plan-items": [str(item.pk)], "plan-note": "Daily."}
    )

    assert answer.status_code == 302
    assert second.home_plan.items.get() == item
    session_page = client.get(f"/therapist/sessions/{second.pk}/").content.decode()
    assert "Course progress" in session_page and "progress-chart" in session_page
    week = client.get("/therapist/week/", {"date": "2026-03-18"}).content.decode()
    assert week.count("Course: improving") == 1
    patient_view = Client()
    patient_view.force_login(patient)
    assert item.title in patient_view.get("/courses/").content.decode()
