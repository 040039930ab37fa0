"""Rows sent in batches: one SMTP connection and a fixed number of statements a batch, each row settled on its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import outbox
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.models import User
from notifications import delivery
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from tests.factories import AppointmentFactory
from tests.notifications.test_notifications_smtp import SmtpSink, free_port, use_smtp
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db]
Kind = NotificationKind
Status = NotificationStatus


class ConnectionCountingSink(SmtpSink):
    """The SMTP sink, also counting the connections its messages came over."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.peers: set[tuple[str, int]] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.add(tuple(session.peer))
        return await super().handle_DATA(server, session, envelope)


def reminders(patient: User, therapist: Therapist, massage_type: MassageType, count: int) -> list[int]:
    """Write `count` sessions on Wednesday with a reminder each, all due now; return the rows' ids."""
    ids = []
    for index in range(count):
        start = datetime(2026, 3, 4, 9, 0, tzinfo=CLINIC_ZONE) + timedelta(minutes=75 * index)
        appointment = cast(
            Appointment,
            AppointmentFactory(patient=patient, therapist=therapist, massage_type=massage_type, start=start),
        )
        row = Notification.objects.create(
            kind=Kind.REMINDER,
            appointment=appointment,
            therapist=therapist,
            recipient=f"patient{index}@example.test",
            due_at=PINNED_NOW - timedelta(minutes=1),
        )
        ids.append(row.pk)
    return ids


def statuses(ids: list[int]) -> list[str]:
    return list(Notification.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True))


def test_a_batch_goes_over_one_connection_in_two_statements_and_one_mark_an_email(
    clock: Any, settings: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ids = reminders(patient, therapist, massage_type, 6)
    with ConnectionCountingSink() as sink:
        use_smtp(settings, sink)
        with CaptureQueriesContext(connection) as queries:
            outcome = delivery.deliver_batch(ids)

    assert outcome.counts == {"sent": 6, "skipped": 0}
    assert len(sink.peers) == 1
    assert sorted(sink.per_notification().values()) == [1] * 6
    # The claim, the read of the rows with their sessions, then one conditional mark per e-mail.
    assert len(queries) == 2 + 6
    assert statuses(ids) == [Status.SENT] * 6


def test_a_batch_sends_only_the_rows_that_are_its_to_send(
    clock: Any, settings: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ids = reminders(patient, therapist, massage_type, 3)
    assert outbox.claim(ids[0], handoff="", now=PINNED_NOW) is not None  # another run holds it
    Notification.objects.filter(pk=ids[1]).update(status=Status.SENT)
    with SmtpSink() as sink:
        use_smtp(settings, sink)
        outcome = delivery.deliver_batch(ids)
        again = delivery.deliver_batch(ids)

    assert outcome.counts == {"sent": 1, "skipped": 2}
    assert again.counts == {"skipped": 3}
    assert list(sink.per_notification()) == [str(ids[2])]


def test_a_refused_message_is_retried_alone_and_the_rest_of_its_batch_goes_out(
    clock: Any, settings: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ids = reminders(patient, therapist, massage_type, 4)
    with ConnectionCountingSink(refuse="451 4.3.0 Try later", refuse_times=1) as sink:
        use_smtp(settings, sink)
        outcome = delivery.deliver_batch(ids)

    assert outcome.counts == {"sent": 3, "retry": 1, "skipped": 0}
    assert outcome.retry == [ids[0]]
    assert statuses(ids) == [Status.PENDING, Status.SENT, Status.SENT, Status.SENT]
    refused = Notification.objects.get(pk=ids[0])
    assert (refused.attempts, refused.next_attempt_at is not None) == (1, True)
    assert "Try later" in refused.last_error
    # The refusal closed the conversation; the next message opened a fresh one.
    assert len(sink.peers) == 2


def test_an_unreachable_mail_server_costs_the_batch_one_attempt_not_one_a_row(
    clock: Any, settings: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ids = reminders(patient, therapist, massage_type, 5)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens there
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    outcome = delivery.deliver_batch(ids)

    assert outcome.counts == {"retry": 1, "skipped": 0}
    assert sorted(outcome.retry) == ids
    assert outcome.retry_in > 0
    rows = Notification.objects.filter(pk__in=ids).order_by("pk")
    assert [(row.status, row.attempts) for row in rows] == [(Status.PENDING, 1)] + [(Status.PENDING, 0)] * 4
    assert all(row.next_attempt_at is not None and row.claim_token == "" for row in rows)


def test_the_beat_hands_due_rows_to_the_batch_task_and_sends_each_once(
    clock: Any, settings: Any, eager_celery: None, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    ids = reminders(patient, therapist, massage_type, outbox.SEND_BATCH + 3)
    with ConnectionCountingSink() as sink:
        use_smtp(settings, sink)
        assert dispatch_due_notifications() == len(ids)
        assert dispatch_due_notifications() == 0

    assert sorted(sink.per_notification().values()) == [1] * len(ids)
    assert len(sink.peers) == 2  # two batches, a connection each
    assert set(statuses(ids)) == {Status.SENT}
