"""Notices through a real SMTP server: refusals are retried, then failed and shown in admin; resend.

`SmtpSink` is a real SMTP server on 127.0.0.1 (aiosmtpd) that counts what it accepted; the
worker tests use it too, since it counts deliveries across processes.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client

from booking import services
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.celery import app as celery_app
from clinic.models import User
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpSink:
    """A real SMTP server that keeps what it accepted (a 250 reply), keyed by notification id.

    `refuse` answers DATA with that reply for the next `refuse_times` messages (None: always).
    `hold_for` keeps a message to that address waiting before its reply until `release()`:
    if the sender dies meanwhile, the message is never accepted, as with a real server.
    """

    def __init__(self, *, refuse: str = "", refuse_times: int | None = None, hold_for: str = "") -> None:
        self.refuse = refuse
        self.refuse_times = refuse_times
        self.hold_for = hold_for
        self.accepted: list[Message] = []
        self.refused = 0
        self.held = threading.Event()
        self._released = threading.Event()
        self._lock = threading.Lock()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._controller.stop()

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse and (self.refuse_times is None or self.refused < self.refuse_times):
            with self._lock:
                self.refused += 1
            return self.refuse
        if self.hold_for and self.hold_for in envelope.rcpt_tos and not self._released.is_set():
            self.held.set()
            while not self._released.is_set():
                # Cancelled here when the client's connection drops: the message is not accepted.
                await asyncio.sleep(0.05)
        with self._lock:
            self.accepted.append(message_from_bytes(envelope.content))
        return "250 OK"

    def per_notification(self) -> Counter[str]:
        with self._lock:
            return Counter(str(message["X-Clinic-Notification"]) for message in self.accepted)

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [message for message in self.accepted if address in str(message["To"])]

    def wait_for(self, count: int, *, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.accepted) >= count:
                    return True
            time.sleep(0.05)
        return False


@pytest.fixture
def eager_celery() -> Iterator[None]:
    """Run tasks in the test's thread; a retry runs again at once (eager mode ignores the pause)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    # Propagating would raise the Retry itself instead of running the retry.
    conf.task_always_eager, conf.task_eager_propagates = True, False
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def use_smtp(settings: Any, sink: SmtpSink) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.NOTIFICATION_RETRY_BACKOFF = 0


def book_session(patient: User, therapist: Therapist, massage_type: MassageType) -> Appointment:
    return services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
    )


def confirmation_of(appointment: Appointment) -> Notification:
    return Notification.objects.get(appointment=appointment, kind=NotificationKind.CONFIRMATION)


@pytest.mark.django_db
def test_refused_mail_is_retried_then_failed_with_the_error_shown_in_admin(
    clock: Any,
    settings: Any,
    eager_celery: None,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_client: Client,
) -> None:
    appointment = book_session(patient, therapist, massage_type)
    with SmtpSink(refuse="451 4.3.0 Mailbox temporarily unavailable, try later") as sink:
        use_smtp(settings, sink)
        dispatch_due_notifications()

    row = confirmation_of(appointment)
    assert row.status == NotificationStatus.FAILED
    assert row.attempts == settings.NOTIFICATION_MAX_ATTEMPTS
    assert "Mailbox temporarily unavailable" in row.last_error
    # The confirmation and the therapist's notice were each tried every time.
    assert sink.refused == 2 * settings.NOTIFICATION_MAX_ATTEMPTS
    assert sink.accepted == []

    page = admin_client.get("/admin/booking/notification/", {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Failed" in html
    assert "Mailbox temporarily unavailable, try later" in html
    assert "alice@example.test" in html


@pytest.mark.django_db
def test_a_transient_refusal_is_retried_and_delivered_once(
    clock: Any, settings: Any, eager_celery: None, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book_session(patient, therapist, massage_type)
    with SmtpSink(refuse="421 4.7.0 Too busy, try later", refuse_times=3) as sink:
        use_smtp(settings, sink)
        dispatch_due_notifications()
        dispatch_due_notifications()

    assert sink.refused == 3
    assert len(sink.to("alice@example.test")) == 1
    assert len(sink.to("carol@example.test")) == 1
    row = confirmation_of(appointment)
    assert row.status == NotificationStatus.SENT
    assert row.attempts > 1


@pytest.mark.django_db
def test_resend_action_sends_a_failed_notice_again(
    clock: Any,
    settings: Any,
    eager_celery: None,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    appointment = book_session(patient, therapist, massage_type)
    with SmtpSink(refuse="451 4.3.0 Try later") as sink:
        use_smtp(settings, sink)
        dispatch_due_notifications()
    failed = confirmation_of(appointment)
    assert failed.status == NotificationStatus.FAILED

    clock.shift(600)
    with SmtpSink() as sink:
        use_smtp(settings, sink)
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                "/admin/booking/notification/",
                {"action": "resend", "_selected_action": [str(failed.pk)]},
                follow=True,
            )
        assert response.status_code == 200
        assert "Queued 1 notice(s) to send again." in response.content.decode()

        assert [message["X-Clinic-Notification"] for message in sink.accepted] == [
            str(
                Notification.objects.filter(appointment=appointment, kind=NotificationKind.CONFIRMATION)
                .exclude(pk=failed.pk)
                .get()
                .pk
            )
        ]
        assert sink.to("alice@example.test")[0]["Subject"].startswith("Booking confirmed")

    failed.refresh_from_db()
    assert failed.status == NotificationStatus.FAILED  # the history stays as it was


@pytest.mark.django_db
def test_resend_action_skips_pending_notices(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType, admin_client: Client
) -> None:
    appointment = book_session(patient, therapist, massage_type)
    pending = confirmation_of(appointment)

    response = admin_client.post(
        "/admin/booking/notification/", {"action": "resend", "_selected_action": [str(pending.pk)]}, follow=True
    )

    assert "Skipped 1 notice(s)" in response.content.decode()
    assert Notification.objects.filter(appointment=appointment, kind=NotificationKind.CONFIRMATION).count() == 1
