"""Notices through real Celery workers on the real broker (Redis in `make test`).

One test runs a worker in a thread of the test process; the other runs `celery -A clinic worker`
processes, kills one with SIGKILL while it is handing an e-mail to the SMTP server, and checks
that a fresh worker still delivers every notice exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping, which start_worker expects)
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from booking import outbox, services
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.celery import app as celery_app
from clinic.models import User
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE, PINNED_NOW
from tests.factories import AppointmentFactory
from tests.notifications.test_notifications_smtp import SmtpSink
from tests.notifications.test_tasks import database_url
from therapists.models import Therapist

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
IMMEDIATE = (NotificationKind.CONFIRMATION, NotificationKind.THERAPIST_NEW)
# A claim older than this is taken over: short here so the test need not wait five minutes.
CLAIM_TIMEOUT_SECONDS = 4


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    # Other tests' commits may have queued sends for rows that are gone: start clean.
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def book(patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
        now=PINNED_NOW,
    )


def immediate_notices_sent(appointment: Appointment) -> bool:
    statuses = Notification.objects.filter(appointment=appointment, kind__in=IMMEDIATE).values_list("status", flat=True)
    return len(statuses) == 2 and set(statuses) == {NotificationStatus.SENT}


def wait_until(condition: Any, *, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_booking_sends_one_confirmation_and_one_therapist_notice_through_a_worker(
    patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        appointment = book(patient, therapist, massage_type)
        assert wait_until(lambda: immediate_notices_sent(appointment))
        # A beat tick now finds nothing left to send.
        dispatch_due_notifications.delay()
        time.sleep(1)

    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.test", "carol@example.test"]
    (confirmation,) = [message for message in mail.outbox if message.to == ["alice@example.test"]]
    assert confirmation.subject.startswith("Booking confirmed: Deep tissue on Wed, Mar 4, 10:00 AM")


class WorkerProcess:
    """`celery -A clinic worker` in its own process group, against the test database and the SMTP sink."""

    def __init__(self, name: str, sink: SmtpSink, log: Path) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{sink.port}",
            "NOTIFICATION_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT_SECONDS),
        }
        command = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", "prefork"]
        command += ["--concurrency", "1", "--loglevel", "info", "-n", f"{name}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        self.log = log
        with log.open("w") as out:
            self.process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        """Kill the worker and its pool child at once, as a lost machine or the OOM killer would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def test_a_worker_killed_while_sending_still_ends_with_exactly_one_email_each(
    tmp_path: Path, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    with SmtpSink(hold_for="alice@example.test") as sink:
        first = WorkerProcess("first", sink, tmp_path / "first.log")
        try:
            appointment = book(patient, therapist, massage_type)
            # The first worker is in the middle of the SMTP conversation for the confirmation.
            assert sink.held.wait(timeout=90), first.log.read_text()[-3000:]
            first.kill()
        finally:
            first.stop()
        sink.release()
        confirmation = Notification.objects.get(appointment=appointment, kind=NotificationKind.CONFIRMATION)
        assert confirmation.status == NotificationStatus.SENDING
        assert sink.to("alice@example.test") == []

        second = WorkerProcess("second", sink, tmp_path / "second.log")
        try:
            # The beat's scan, every two seconds instead of every minute, takes over the dead claim.
            def scan_until_sent() -> bool:
                dispatch_due_notifications.delay()
                time.sleep(2)
                return immediate_notices_sent(appointment)

            assert wait_until(scan_until_sent, timeout=120), second.log.read_text()[-3000:]
            # One more tick after everything went out sends nothing more.
            dispatch_due_notifications.delay()
            time.sleep(2)
        finally:
            second.stop()

    assert len(sink.to("alice@example.test")) == 1
    assert len(sink.to("carol@example.test")) == 1
    assert set(sink.per_notification().values()) == {1}
    confirmation.refresh_from_db()
    assert confirmation.status == NotificationStatus.SENT
    assert confirmation.attempts == 2


def test_a_worker_killed_in_the_middle_of_a_batch_leaves_no_row_sent_twice_or_never(
    tmp_path: Path, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = AppointmentFactory.create(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
    )
    rows = [
        Notification.objects.create(
            kind=NotificationKind.CONFIRMATION_RESEND,
            appointment=appointment,
            therapist=therapist,
            recipient=f"copy{index}@example.test",
            due_at=PINNED_NOW - timedelta(seconds=index),
        )
        for index in range(5)
    ]
    ids = [row.pk for row in rows]
    with SmtpSink(hold_for="copy2@example.test") as sink:
        first = WorkerProcess("first", sink, tmp_path / "first.log")
        try:
            # The five copies go to the worker as one batch.
            outbox.enqueue(ids)
            # Two messages are accepted (and marked), the third is in the SMTP conversation.
            assert sink.held.wait(timeout=90), first.log.read_text()[-3000:]
            first.kill()
        finally:
            first.stop()
        sink.release()
        assert sorted(sink.per_notification()) == sorted(str(pk) for pk in ids[:2])
        statuses = list(Notification.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True))
        assert statuses == [NotificationStatus.SENT] * 2 + [NotificationStatus.SENDING] * 3

        second = WorkerProcess("second", sink, tmp_path / "second.log")
        try:

            def scan_until_sent() -> bool:
                dispatch_due_notifications.delay()
                time.sleep(2)
                return Notification.objects.filter(pk__in=ids, status=NotificationStatus.SENT).count() == 5

            assert wait_until(scan_until_sent, timeout=120), second.log.read_text()[-3000:]
        finally:
            second.stop()

    delivered = sink.per_notification()
    assert [delivered[str(pk)] for pk in ids] == [1] * 5
    attempts = list(Notification.objects.filter(pk__in=ids).order_by("pk").values_list("attempts", flat=True))
    assert attempts == [1, 1, 2, 2, 2]
