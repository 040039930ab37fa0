"""Home care after a session, and the follow-ups: the plan by e-mail once, progress and a rebooking link at the end."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from audit.models import Event, Kind
from booking import services as booking
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed
from booking.models import Notification, NotificationKind
from courses import records
from courses.models import FollowUp, FollowUpKind, HomeCareItem
from courses.records import PlanData, Scores
from notifications.rendering import deliver
from tests.conftest import CLINIC_ZONE
from tests.courses.conftest import ask, book_plan, plan

pytestmark = pytest.mark.django_db


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


@pytest.fixture
def items() -> list[HomeCareItem]:
    return [
        HomeCareItem.objects.create(
            title="Gentle knee hug",
            steps="Lie on your back.\nHug one knee for 20 seconds.",
            how_often="Twice a day",
            not_for="Anyone after recent hip surgery.",
            reviewed_on=date(2026, 11, 24),
            display_order=90,
        ),
        HomeCareItem.objects.create(
            title="Ball against the wall",
            steps="Stand with a ball behind you.\nRoll slowly.",
            how_often="Once a day, 3 minutes",
            not_for="Anyone on blood thinners.",
            reviewed_on=date(2026, 11, 24),
            display_order=91,
        ),
    ]


def follow_ups() -> list[Notification]:
    return list(Notification.objects.filter(kind=NotificationKind.COURSE_FOLLOW_UP).order_by("pk"))


def test_the_plan_after_a_session_is_emailed_once_with_its_items_and_the_disclaimer(
    clock, massage_type, therapist, patient, items
):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first = course.sessions()[0]
    clock.move_to(local(date(2026, 3, 4), 11, 5))

    records.set_home_plan(
        appointment=first, by=therapist.user, data=PlanData([items[0].pk, items[1].pk], note="Little and often.")
    )
    records.set_home_plan(appointment=first, by=therapist.user, data=PlanData([items[0].pk], note="Just this one."))

    (row,) = follow_ups()
    assert FollowUp.objects.get(pk=row.subject_id or 0).kind == FollowUpKind.SESSION
    assert Event.objects.filter(kind=Kind.HOME_PLAN, appointment_id=first.pk).count() == 2
    assert deliver(row.pk).status == "sent"
    (message,) = mail.outbox
    assert message.subject == "Your home-care plan after your Deep tissue session"
    assert "Gentle knee hug (Twice a day)" in message.body
    assert "Ball against the wall" not in message.body  # the plan as it is when sent
    assert "Just this one." in message.body
    assert "This is general information, not medical advice." in message.body
    assert "Not for: Anyone after recent hip surgery." in message.body


def test_a_home_plan_waits_for_the_session_and_belongs_to_its_therapist(
    clock, massage_type, therapist, other_therapist, patient, items
):
    course = book_plan(plan(ask(massage_type, therapist)), patient)
    first = course.sessions()[0]

    with pytest.raises(InvalidTransition):
        records.set_home_plan(appointment=first, by=therapist.user, data=PlanData([items[0].pk]))
    clock.move_to(local(date(2026, 3, 4), 11, 5))
    with pytest.raises(NotAllowed):
        records.set_home_plan(appointment=first, by=other_therapist.user, data=PlanData([items[0].pk]))
    with pytest.raises(NotAllowed):
        records.set_home_plan(appointment=first, by=patient, data=PlanData([items[0].pk]))
    with pytest.raises(InvalidBooking):
        records.set_home_plan(appointment=first, by=therapist.user, data=PlanData([]))
    with pytest.raises(InvalidBooking) as refused:
        records.set_home_plan(
            appointment=first,
            by=therapist.user,
            data=PlanData([items[0].pk], recommend_interval_weeks=3, recommend_sessions=4),
        )
    assert "recommend_sessions" in refused.value.fields
    assert follow_ups() == []


def test_completing_the_last_session_owes_the_closing_follow_up_with_the_chart_and_a_rebooking_link(
    clock, massage_type, therapist, patient, items
):
    course = book_plan(plan(ask(massage_type, therapist, sessions=2)), patient)
    first, second = course.sessions()
    records.record_measures(appointment=first, by=patient, scores=Scores(7, 8, 6))
    clock.move_to(local(date(2026, 3, 4), 11, 5))
    booking.mark_completed(appointment=first, by=therapist.user)
    assert follow_ups() == []
    records.record_measures(appointment=second, by=patient, scores=Scores(4, 6, 3))
    clock.move_to(local(date(2026, 3, 11), 11, 5))

    booking.mark_completed(appointment=second, by=therapist.user)
    booking.mark_completed(appointment=second, by=therapist.user)  # again: still one follow-up

    (row,) = follow_ups()
    follow_up = FollowUp.objects.get(pk=row.subject_id or 0)
    assert (follow_up.kind, follow_up.course_id) == (FollowUpKind.COURSE_END, course.pk)
    assert deliver(row.pk).status == "sent"
    (message,) = mail.outbox
    assert message.subject == "Your course of Deep tissue: your progress and what comes next"
    assert "How your back has been (improving):" in message.body
    assert "- Session 2, Mar 11: pain now 4, worst in the past week 6, interfered with activity 3" in message.body
    html = message.alternatives[0][0]
    assert "<svg" in html and "<table>" in html
    link = urlsplit(next(line for line in message.body.splitlines() if "in one click" in line).rsplit(" ", 1)[1])
    assert link.path == "/courses/plan/" and link.query.startswith("rebook=")
    rebook = f"{link.path}?{link.query}"

    client = Client()
    client.force_login(patient)
    page = client.get(rebook)
    assert page.status_code == 200
    assert page.context["plan"].request.sessions == 2
    assert page.context["plan"].request.therapist == therapist
    # Someone else's link opens an empty planner.
    stranger = Client()
    stranger.force_login(type(patient).objects.create_user(email="eve@example.test", password="x-pass-2026-long"))
    assert "plan" not in stranger.get(rebook).context


def test_red_flags_still_say_see_a_doctor_first_on_the_course_page_and_in_the_plan(
    clock, massage_type, therapist, patient, items
):
    course_plan = plan(ask(massage_type, therapist))
    course = book_plan(course_plan, patient)
    first = course.sessions()[0]
    first.red_flags = ["leg_numbness"]
    first.provider_consulted = True
    first.save(update_fields=["red_flags", "provider_consulted"])
    clock.move_to(local(date(2026, 3, 4), 11, 5))
    records.set_home_plan(appointment=first, by=therapist.user, data=PlanData([items[0].pk]))

    client = Client()
    client.force_login(patient)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "Please see a doctor first." in page
    assert "Numbness, tingling or weakness in the legs" in page
    (row,) = follow_ups()
    deliver(row.pk, now=local(date(2026, 3, 4), 11, 6) + timedelta(seconds=1))
    assert "Please see a doctor first: you told us about numbness" in mail.outbox[0].body
