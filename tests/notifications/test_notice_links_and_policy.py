"""What the e-mails say about the 24-hour rule, where therapists' links lead, and whose Message-ID they carry.

The clock is pinned to Monday 2 March 2026, 08:00 in the clinic; SITE_URL is the clinic's own address.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind
from clinic import accounts
from clinic.celery import app as celery_app
from clinic.models import User
from notifications.tasks import dispatch_due_notifications, plan_daily_agendas
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist

pytestmark = pytest.mark.django_db
Kind = NotificationKind
SITE = "https://book.backandbalance.example"


@pytest.fixture(autouse=True)
def eager_celery_and_site(settings: Any) -> Iterator[None]:
    settings.SITE_URL = SITE
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


def book(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


def sent(kind: str) -> list[Any]:
    kinds = dict(Notification.objects.values_list("pk", "kind"))
    return [message for message in mail.outbox if kinds[int(message.extra_headers["X-Clinic-Notification"])] == kind]


def parts(message: Any) -> list[str]:
    return [message.body, message.alternatives[0][0]]


def test_a_confirmation_three_hours_ahead_shows_no_past_deadline_and_says_to_call(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(2, 11))
    dispatch_due_notifications()

    (confirmation,) = sent(Kind.CONFIRMATION)
    for part in parts(confirmation):
        assert "Sunday, March 1, 2026" not in part  # 24 hours before the start: already past
        assert "online until" not in part
        assert "can no longer be cancelled or moved online" in part
        assert "Within 24 hours of the session, please call us on +1 617 555 0142" in part


def test_a_confirmation_three_days_ahead_gives_the_deadline(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(5, 10))
    dispatch_due_notifications()

    (confirmation,) = sent(Kind.CONFIRMATION)
    for part in parts(confirmation):
        assert "online until Wednesday, March 4, 2026 at 10:00 AM (America/New_York, EST)" in part
        assert f"{SITE}/appointments/" in part


def test_the_therapists_new_booking_notice_links_to_the_session_in_the_portal(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()

    (notice,) = sent(Kind.THERAPIST_NEW)
    session_url = SITE + reverse("therapists:session", args=[appointment.pk])
    assert session_url == f"{SITE}/therapist/sessions/{appointment.pk}/"
    for part in parts(notice):
        assert session_url in part
        assert "Alice A." in part
        assert "/appointments/" not in part
        assert "Manage the booking" not in part


def test_the_therapists_cancellation_notice_gives_the_reason_and_the_portal_link(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()  # the therapist hears of it first
    services.cancel(appointment=appointment, by=patient, reason="Flu <since Sunday>")
    dispatch_due_notifications()

    (notice,) = sent(Kind.THERAPIST_CANCELLATION)
    text, html = parts(notice)
    assert "Reason given: Flu <since Sunday>" in text
    assert "Reason given: Flu &lt;since Sunday&gt;" in html
    for part in (text, html):
        assert f"{SITE}/therapist/sessions/{appointment.pk}/" in part
        assert "Alice A." in part
        assert "/appointments/" not in part


def test_a_cancellation_without_a_reason_says_nothing_about_one(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()  # the therapist hears of it first
    services.cancel(appointment=appointment, by=patient)
    dispatch_due_notifications()

    (notice,) = sent(Kind.THERAPIST_CANCELLATION)
    assert all("Reason given" not in part for part in parts(notice))


def test_the_therapists_reschedule_notice_links_to_the_session_in_the_portal(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()  # the therapist hears of it first
    services.reschedule(appointment=appointment, by=patient, start=at(5, 14))
    dispatch_due_notifications()

    (notice,) = sent(Kind.THERAPIST_RESCHEDULE)
    for part in parts(notice):
        assert f"{SITE}/therapist/sessions/{appointment.pk}/" in part
        assert "Alice A." in part
        assert "/appointments/" not in part


def test_the_old_therapist_of_a_moved_session_gets_their_day_view(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()  # the therapist hears of it first
    services.reschedule(appointment=appointment, by=patient, start=at(5, 14), therapist=other_therapist)
    dispatch_due_notifications()

    (notice,) = [m for m in sent(Kind.THERAPIST_CANCELLATION) if m.to == ["carol@example.test"]]
    for part in parts(notice):
        # The session is no longer hers to open; the day it left is.
        assert f"{SITE}/therapist/?date=2026-03-04" in part
        assert f"/therapist/sessions/{appointment.pk}/" not in part
        assert "/appointments/" not in part


def test_the_daily_agenda_links_to_the_day_in_the_portal(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))
    clock.move_to(at(4, 7))
    plan_daily_agendas()
    dispatch_due_notifications()

    (agenda,) = sent(Kind.AGENDA)
    for part in parts(agenda):
        assert f"{SITE}/therapist/?date=2026-03-04" in part
        assert "Alice A." in part
        assert "/appointments/" not in part


def test_every_notice_has_a_message_id_in_the_sites_domain(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()  # the therapist hears of it first
    services.cancel(appointment=appointment, by=patient)
    dispatch_due_notifications()

    assert len(mail.outbox) >= 4
    ids = [message.message()["Message-ID"] for message in mail.outbox]
    assert all(value.startswith("<") and value.endswith("@book.backandbalance.example>") for value in ids), ids
    assert len(set(ids)) == len(ids)


def test_the_account_e_mails_have_a_message_id_in_the_sites_domain(patient: User) -> None:
    accounts.send_confirmation(patient)
    accounts._send_already_registered(patient)

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.message()["Message-ID"].endswith("@book.backandbalance.example>")
        assert message.to == ["alice@example.test"]
