"""The words of the notices: greetings by first name, a short name never doubles its period,
the therapist hears why and by whom a session was cancelled, and surnames stay out of their e-mail.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core import mail

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic.celery import app as celery_app
from clinic.models import User
from notifications.tasks import dispatch_due_notifications, plan_daily_agendas
from tests.conftest import CLINIC_ZONE
from tests.factories import TherapistFactory, UserFactory, weekly_hours
from therapists.models import Therapist

pytestmark = pytest.mark.django_db
Kind = NotificationKind


@pytest.fixture(autouse=True)
def eager_celery() -> Iterator[None]:
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def alex(db: None) -> User:
    return UserFactory(email="alex@example.test", first_name="Alex", last_name="Rivera")


@pytest.fixture
def maya(db: None, massage_type: MassageType) -> Therapist:
    user = UserFactory(email="maya@example.test", first_name="Maya", last_name="Okafor")
    therapist = TherapistFactory(user=user, display_name="Maya Okafor", massage_types=[massage_type])
    weekly_hours(therapist)
    return therapist


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=CLINIC_ZONE)


def book(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


def sent(kind: str) -> list[Any]:
    kinds = dict(Notification.objects.values_list("pk", "kind"))
    return [message for message in mail.outbox if kinds[int(message.extra_headers["X-Clinic-Notification"])] == kind]


def texts(message: Any) -> list[str]:
    return [message.subject, message.body, message.alternatives[0][0]]


def test_no_notice_puts_a_sentence_period_after_the_short_names_initial(
    clock: Any, alex: User, maya: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    appointment = book(alex, maya, massage_type, at(4, 10))
    dispatch_due_notifications()
    appointment = services.reschedule(appointment=appointment, by=alex, start=at(4, 14))
    dispatch_due_notifications()
    clock.move_to(at(4, 7))
    plan_daily_agendas()
    dispatch_due_notifications()
    services.cancel(appointment=appointment, by=admin_user)  # inside the 24 hours: the clinic does it
    dispatch_due_notifications()

    kinds = (Kind.THERAPIST_NEW, Kind.THERAPIST_RESCHEDULE, Kind.AGENDA, Kind.THERAPIST_CANCELLATION)
    for kind in kinds:
        (notice,) = sent(kind)
        subject, text, html = texts(notice)
        assert "Alex R." in text and "Alex R." in html
        for part in (subject, text, html):
            assert "R.." not in part, f"{kind}: {part}"
    (new,) = sent(Kind.THERAPIST_NEW)
    assert "A session with Alex R. has been added to your schedule." in new.alternatives[0][0]


def test_greetings_use_the_first_name_alone(clock: Any, alex: User, maya: Therapist, massage_type: MassageType) -> None:
    book(alex, maya, massage_type, at(4, 10))
    dispatch_due_notifications()

    (confirmation,) = sent(Kind.CONFIRMATION)
    (told,) = sent(Kind.THERAPIST_NEW)
    assert confirmation.body.startswith("Hello Alex,\n")
    assert "<p>Hello Alex,</p>" in confirmation.alternatives[0][0]
    assert told.body.startswith("Hello Maya,\n")
    assert "<p>Hello Maya,</p>" in told.alternatives[0][0]
    assert all("Hello Maya Okafor" not in text for text in texts(told))


def test_a_greeting_without_a_first_name_is_hello_alone(clock: Any, maya: Therapist, massage_type: MassageType) -> None:
    nameless = UserFactory(email="nameless@example.test", first_name="", last_name="")
    book(nameless, maya, massage_type, at(4, 10))
    dispatch_due_notifications()

    (confirmation,) = sent(Kind.CONFIRMATION)
    assert confirmation.body.startswith("Hello,\n")
    assert "<p>Hello,</p>" in confirmation.alternatives[0][0]
    assert "Hello there" not in confirmation.body


def test_the_therapist_hears_that_the_patient_cancelled_and_why(
    clock: Any, alex: User, maya: Therapist, massage_type: MassageType
) -> None:
    appointment = book(alex, maya, massage_type, at(4, 10))
    dispatch_due_notifications()  # the therapist hears of the booking first
    services.cancel(appointment=appointment, by=alex, reason="A cold since Sunday")
    dispatch_due_notifications()

    (notice,) = sent(Kind.THERAPIST_CANCELLATION)
    _, text, html = texts(notice)
    assert "A session on your schedule has been cancelled by the patient." in text
    assert "A session on your schedule has been cancelled by the patient." in html
    assert "Reason given: A cold since Sunday" in text
    assert "Reason given: A cold since Sunday" in html


def test_the_therapist_hears_that_the_clinic_cancelled(
    clock: Any, alex: User, maya: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    appointment = book(alex, maya, massage_type, at(4, 10))
    dispatch_due_notifications()
    services.cancel(appointment=appointment, by=admin_user, reason="The room is flooded")
    dispatch_due_notifications()

    (notice,) = sent(Kind.THERAPIST_CANCELLATION)
    for part in texts(notice)[1:]:
        assert "has been cancelled by the clinic." in part
        assert "Reason given: The room is flooded" in part
        assert "by the patient" not in part


def test_therapist_e_mails_name_the_patient_by_first_name_and_initial_and_link_to_the_session(
    clock: Any, alex: User, maya: Therapist, massage_type: MassageType
) -> None:
    appointment = book(alex, maya, massage_type, at(4, 10))
    dispatch_due_notifications()

    (told,) = sent(Kind.THERAPIST_NEW)
    for text in texts(told):
        assert "Alex R." in text
        assert "Rivera" not in text
    assert f"/therapist/sessions/{appointment.pk}/" in told.body
