"""The course API: plan, book (all or none), list one's own, cancel one's own; others' courses are 404."""

from __future__ import annotations

import pytest
from django.test import Client

from booking.models import Status
from courses.models import Course

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


def asked(massage_type, therapist, **extra):
    return {
        "massage_type": massage_type.pk,
        "therapist": therapist.pk,
        "weekday": 2,
        "time": "10:00",
        "interval_weeks": 1,
        "sessions": 4,
        **extra,
    }


def test_plan_then_book_then_list_then_cancel(patient_client, patient, massage_type, therapist):
    planned = patient_client.post(
        "/api/v1/courses/plan/", asked(massage_type, therapist), content_type="application/json"
    )

    assert planned.status_code == 200
    body = planned.json()
    assert body["time_zone"] == "America/New_York"
    assert [s["date"] for s in body["sessions"]] == ["2026-03-04", "2026-03-11", "2026-03-18", "2026-03-25"]
    assert body["sessions"][1]["fits"]["start"] == "2026-03-11T10:00:00-04:00"
    chosen = [{"start": s["proposal"]["start"], "therapist": s["proposal"]["therapist"]} for s in body["sessions"]]

    booked = patient_client.post(
        "/api/v1/courses/", {**asked(massage_type, therapist), "chosen": chosen}, content_type="application/json"
    )
    assert booked.status_code == 201, booked.json()
    course = booked.json()
    assert len(course["sessions"]) == 4 and course["status"] == "booked"
    assert [c["id"] for c in patient_client.get("/api/v1/courses/").json()] == [course["id"]]

    cancelled = patient_client.post(f"/api/v1/courses/{course['id']}/cancel/", content_type="application/json")
    assert cancelled.status_code == 200
    assert {s["status"] for s in cancelled.json()["sessions"]} == {Status.CANCELLED}


def test_a_plan_too_long_is_a_field_error(patient_client, massage_type, therapist):
    answer = patient_client.post(
        "/api/v1/courses/plan/", asked(massage_type, therapist, sessions=9), content_type="application/json"
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["sessions"] == "A course has 2 to 8 sessions."


def test_two_sessions_on_one_day_are_refused_and_nothing_is_booked(patient_client, patient, massage_type, therapist):
    chosen = [
        {"start": "2026-03-04T10:00:00-05:00", "therapist": therapist.pk},
        {"start": "2026-03-04T11:00:00-05:00", "therapist": therapist.pk},
    ]

    answer = patient_client.post(
        "/api/v1/courses/",
        {**asked(massage_type, therapist, sessions=2), "chosen": chosen},
        content_type="application/json",
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["sessions"] == "Two sessions fall on the same day."
    assert not Course.objects.exists()


def test_another_persons_course_is_404(patient_client, other_patient, massage_type, therapist):
    body = patient_client.post(
        "/api/v1/courses/plan/", asked(massage_type, therapist), content_type="application/json"
    ).json()
    chosen = [{"start": s["proposal"]["start"], "therapist": s["proposal"]["therapist"]} for s in body["sessions"]]
    course = patient_client.post(
        "/api/v1/courses/", {**asked(massage_type, therapist), "chosen": chosen}, content_type="application/json"
    ).json()
    bob = Client()
    bob.force_login(other_patient)

    assert bob.post(f"/api/v1/courses/{course['id']}/cancel/", content_type="application/json").status_code == 404
    assert bob.get("/api/v1/courses/").json() == []
    assert Client().get("/api/v1/courses/").status_code == 401
