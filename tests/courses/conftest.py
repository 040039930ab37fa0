"""Helpers of the courses tests: ask for a course and book its plan as planned."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from booking.models import MassageType
from clinic.models import User
from courses import services
from courses.models import Course
from courses.planning import CoursePlan, CourseRequest, plan_course
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from therapists.models import Therapist


def ask(
    massage_type: MassageType,
    therapist: Therapist | None,
    *,
    weekday: int = 2,
    clock: time = time(10),
    interval_weeks: int = 1,
    sessions: int = 4,
    **extra: Any,
) -> CourseRequest:
    """Return a course request: Wednesdays at 10:00 every week, four sessions, unless told otherwise."""
    return CourseRequest(
        massage_type=massage_type,
        therapist=therapist,
        weekday=weekday,
        clock=clock,
        interval_weeks=interval_weeks,
        sessions=sessions,
        **extra,
    )


def plan(request: CourseRequest, patient: User | None = None) -> CoursePlan:
    return plan_course(request, now=PINNED_NOW, zone=CLINIC_ZONE, patient_id=patient.pk if patient else None)


def book_plan(course_plan: CoursePlan, patient: User) -> Course:
    """Book every session of the plan as proposed (the patient accepts each)."""
    request = course_plan.request
    chosen = [
        services.ChosenSession(start=session.proposal.start, therapist_id=session.proposal.therapist_id)
        for session in course_plan.sessions
        if session.proposal is not None
    ]
    return services.book_course(
        patient=patient,
        massage_type=request.massage_type,
        therapist=request.therapist,
        weekday=request.weekday,
        clock=request.clock,
        time_zone=course_plan.zone.key,
        interval_weeks=request.interval_weeks,
        sessions=chosen,
        now=PINNED_NOW,
    )


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
