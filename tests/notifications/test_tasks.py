"""The send and dispatch tasks are idempotent: concurrent runs, duplicate ticks and dead workers send once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection

from booking import outbox
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.models import User
from notifications.tasks import dispatch_due_notifications, send_notification
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from tests.factories import AppointmentFactory
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]
Kind = NotificationKind
Status = NotificationStatus
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def appointment(patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return cast(
        Appointment,
        AppointmentFactory(
            patient=patient,
            therapist=therapist,
            massage_type=massage_type,
            start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
        ),
    )


def due_notices(appointment: Appointment, count: int) -> list[Notification]:
    """Write `count` due confirmations straight to the outbox (no commit hook sends them)."""
    return [
        Notification.objects.create(
            kind=Kind.CONFIRMATION_RESEND,
            appointment=appointment,
            therapist=appointment.therapist,
            recipient=appointment.patient.email,
            due_at=PINNED_NOW - timedelta(seconds=index),
        )
        for index in range(count)
    ]


def at_once(count: int, work: Callable[[], Any]) -> list[Any]:
    """Run `work` in `count` threads released together; return what each returned."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except BaseException as exc:  # re-raised in the test's thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_the_send_task_run_four_times_at_once_sends_one_email(clock: Any, appointment: Appointment) -> None:
    (row,) = due_notices(appointment, 1)

    outcomes = at_once(4, lambda: send_notification(row.pk))

    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (Status.SENT, 1, PINNED_NOW)


def test_a_duplicate_beat_tick_sends_nothing_more(clock: Any, appointment: Appointment) -> None:
    due_notices(appointment, 3)

    dispatch_due_notifications()
    dispatch_due_notifications()

    assert len(mail.outbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


def test_two_dispatchers_at_once_send_each_notice_once(clock: Any, appointment: Appointment) -> None:
    rows = due_notices(appointment, 40)

    claimed = at_once(2, dispatch_due_notifications)

    assert sum(claimed) == 40
    sent = Counter(message.extra_headers["X-Clinic-Notification"] for message in mail.outbox)
    assert sent == Counter({str(row.pk): 1 for row in rows})


def test_a_redelivered_dispatch_message_sends_nothing_more(clock: Any, appointment: Appointment) -> None:
    (row,) = due_notices(appointment, 1)
    ids, handoff = outbox.claim_due(now=PINNED_NOW, limit=10)
    assert ids == [row.pk]

    first = send_notification(row.pk, handoff)
    again = send_notification(row.pk, handoff)

    assert (first, again) == ("sent", "skipped")
    assert len(mail.outbox) == 1


def test_dispatch_keeps_at_most_the_limit_in_flight(clock: Any, appointment: Appointment) -> None:
    due_notices(appointment, 5)

    first, handoff = outbox.claim_due(now=PINNED_NOW, limit=3)
    second, _ = outbox.claim_due(now=PINNED_NOW, limit=3)
    for notification_id in first:
        assert send_notification(notification_id, handoff) == "sent"
    third, _ = outbox.claim_due(now=PINNED_NOW, limit=3)

    assert (len(first), second, len(third)) == (3, [], 2)


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_timeout(clock: Any, appointment: Appointment) -> None:
    (row,) = due_notices(appointment, 1)
    # A worker claims the row and dies before sending.
    assert outbox.claim(row.pk, handoff="", now=PINNED_NOW) is not None

    dispatch_due_notifications()
    assert mail.outbox == []  # the claim may still be alive

    clock.shift(settings.NOTIFICATION_CLAIM_TIMEOUT + timedelta(minutes=1))
    dispatch_due_notifications()
    dispatch_due_notifications()

    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 2)


def test_a_notice_whose_worker_keeps_dying_ends_failed(clock: Any, appointment: Appointment) -> None:
    (row,) = due_notices(appointment, 1)
    for _ in range(settings.NOTIFICATION_MAX_ATTEMPTS):
        assert outbox.claim(row.pk, handoff="", now=datetime.now(CLINIC_ZONE)) is not None
        clock.shift(settings.NOTIFICATION_CLAIM_TIMEOUT + timedelta(minutes=1))

    dispatch_due_notifications()

    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert "Gave up" in row.last_error
    assert mail.outbox == []


def test_a_send_for_a_missing_or_settled_row_does_nothing(clock: Any, appointment: Appointment) -> None:
    (row,) = due_notices(appointment, 1)
    assert send_notification(row.pk) == "sent"

    assert send_notification(row.pk) == "skipped"
    assert send_notification(row.pk + 1000) == "skipped"
    assert len(mail.outbox) == 1


def test_retry_pauses_grow_but_stay_short() -> None:
    pauses = [outbox.retry_pause(attempt) for attempt in range(1, settings.NOTIFICATION_MAX_ATTEMPTS + 1)]

    assert pauses == sorted(pauses)
    assert pauses[1] == 2 * pauses[0]
    # Far below Redis's visibility timeout (one hour): a retry is never redelivered early.
    assert max(pauses) <= settings.NOTIFICATION_RETRY_BACKOFF_MAX <= 600


BOOK_WITH_BROKER_DOWN = """
import django
django.setup()
from datetime import datetime
from zoneinfo import ZoneInfo
from booking import services
from booking.models import MassageType
from clinic.models import User
from therapists.models import Therapist

appointment = services.book(
    patient=User.objects.get(email="alice@example.test"),
    therapist=Therapist.objects.get(display_name="Carol Chen"),
    massage_type=MassageType.objects.get(slug="deep-tissue"),
    start=datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("America/New_York")),
    now=datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("America/New_York")),
)
print("booked", appointment.pk)
"""


def test_a_booking_while_the_broker_is_down_succeeds_and_the_beat_scan_sends_its_notices(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
    }
    web = subprocess.run(  # noqa: S603
        [sys.executable, "-c", BOOK_WITH_BROKER_DOWN], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert web.returncode == 0, web.stderr
    assert web.stdout.startswith("booked")
    assert "waits for the beat scan" in web.stderr
    assert set(Notification.objects.filter(due_at=PINNED_NOW).values_list("status", flat=True)) == {Status.PENDING}

    dispatch_due_notifications()

    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.test", "carol@example.test"]


def database_url() -> str:
    """Return a URL of the test database, for processes started by the test."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
