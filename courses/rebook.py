"""The one-click way back: a signed link that opens the course planner filled in from a finished course.

The link names the course, never health details; it opens the planner only for the course's
own patient, signed in, and ends after REBOOK_LINK_DAYS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core import signing

from courses.models import Course

SALT = "courses.rebook"
REBOOK_LINK_DAYS = 90


def rebook_token(course: Course) -> str:
    """Return the signed token of the course's rebooking link."""
    return signing.dumps({"course": course.pk}, salt=SALT, compress=True)


def course_for_token(token: str, *, patient_id: int) -> Course | None:
    """Return the course the token names, if it is valid, unexpired and the patient's own."""
    try:
        payload: dict[str, Any] = signing.loads(token, salt=SALT, max_age=timedelta(days=REBOOK_LINK_DAYS))
    except signing.BadSignature:
        return None
    course_id = payload.get("course")
    if not isinstance(course_id, int):
        return None
    return Course.objects.filter(pk=course_id, patient_id=patient_id).first()


def planner_values(course: Course) -> dict[str, Any]:
    """Return what the planner is filled in with to book the same course again."""
    return {
        "type": course.massage_type.slug,
        "therapist": course.therapist_id or "",
        "weekday": course.weekday,
        "time": course.time.strftime("%H:%M"),
        "every": course.interval_weeks,
        "sessions": course.sessions_planned,
    }
