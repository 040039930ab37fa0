"""Beat on two machines at once: every periodic job ticks twice and still sends, charges and offers once.

The first test runs two real `celery beat` processes (the real schedule, every entry ticking
each second instead of each minute or day) against one real worker on the real broker, the
SMTP sink and localstripe. The second runs the jobs' bodies without their lock from two
threads many times: the claims alone keep them correct. The third shows the lock itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from booking import outbox
from booking import services as booking
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.celery import app as celery_app
from clinic.models import User
from clinic.periodic import one_at_a_time
from notifications.tasks import dispatch_due_notifications, plan_daily_agendas
from payments import reconcile
from payments.models import Charge, ChargeKind, ChargeState, DepositRule, Policy
from payments.tasks import sweep_payments
from tests import localstripe as fake_stripe
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, UserFactory
from tests.multi_machine.processes import Process, base_env, python, wait_until
from tests.notifications.test_notifications_smtp import SmtpSink
from tests.payments.conftest import save_card
from tests.payments.test_crash import intents_of
from therapists.models import Therapist
from waitlist import services as waitlist
from waitlist.models import Offer
from waitlist.tasks import consider_freed_time, sweep_waitlist

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
Status = NotificationStatus

# `celery beat` with the project's schedule, each entry every second.
BEAT = """
import sys

import django

django.setup()

from clinic.celery import app

for entry in app.conf.beat_schedule.values():
    entry["schedule"] = 1.0
app.Beat(schedule=sys.argv[1], loglevel="INFO", max_interval=1).run()
"""


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    celery_app.control.purge()
    yield
    celery_app.control.purge()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_ZONE)


def the_day(ahead: int) -> date:
    return timezone.localdate(timezone.now(), CLINIC_ZONE) + timedelta(days=ahead)


def reminder(appointment: Appointment, *, due_at: datetime) -> Notification:
    return Notification.objects.create(
        kind=NotificationKind.REMINDER,
        appointment=appointment,
        therapist=appointment.therapist,
        recipient=appointment.patient.email,
        due_at=due_at,
    )


def owed_work(patient: User, therapist: Therapist, massage_type: MassageType, admin: User, stripe: str) -> Charge:
    """Leave everything the beat must finish: due reminders, a charge never handed over, freed time with a wait.

    Return the charge.
    """
    now = timezone.now()
    Policy.objects.create(pk=1, card_required=False, deposit_rule=DepositRule.PERCENT, deposit_percent=Decimal(20))
    save_card(patient, stripe)
    # Ten sessions whose reminders fell due while no beat ran.
    for index in range(10):
        appointment = AppointmentFactory.create(
            patient=UserFactory.create(),
            therapist=therapist,
            massage_type=massage_type,
            start=local(the_day(5), 9) + timedelta(minutes=75 * index),
        )
        reminder(appointment, due_at=now - timedelta(minutes=1))
    # A deposit whose hand-off to the worker was lost ten minutes ago.
    paid = booking.book(
        patient=patient, therapist=therapist, massage_type=massage_type, start=local(the_day(4), 10), now=now
    )
    charge = Charge.objects.get(appointment=paid, kind=ChargeKind.DEPOSIT)
    Charge.objects.filter(pk=charge.pk).update(created_at=now - timedelta(minutes=10))
    # A full morning, someone waiting for it, and a session of it cancelled by the clinic.
    day = the_day(3)
    morning = [
        booking.book(
            patient=UserFactory.create(), therapist=therapist, massage_type=massage_type, start=start, by=admin, now=now
        )
        for start in (local(day, 9), local(day, 10, 15))
    ]
    waitlist.join(
        patient=UserFactory.create(email="waiting@example.test"),
        massage_type=massage_type,
        date_from=day,
        date_to=day,
        now=now,
    )
    booking.cancel(appointment=morning[0], by=admin, reason="Therapist's request", now=now)
    return charge


def nothing_owed(charge: Charge) -> bool:
    charge.refresh_from_db()
    due = Notification.objects.filter(due_at__lte=timezone.now(), status__in=(Status.PENDING, Status.SENDING))
    offered = Notification.objects.filter(kind=NotificationKind.WAITLIST_OFFER, status=Status.SENT).exists()
    return charge.state == ChargeState.SUCCEEDED and offered and not due.exists()


def test_two_beats_at_once_send_each_notice_charge_once_and_offer_once(
    tmp_path: Path,
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
    payments_on: str,
) -> None:
    charge = owed_work(patient, therapist, massage_type, admin_user, payments_on)
    celery_app.control.purge()  # the hand-offs after commit are lost: only the beats can finish the work
    with SmtpSink() as sink:
        env = base_env(
            EMAIL_URL=f"smtp://127.0.0.1:{sink.port}",
            STRIPE_SECRET_KEY=fake_stripe.SECRET_KEY,
            STRIPE_PUBLISHABLE_KEY=fake_stripe.PUBLISHABLE_KEY,
            STRIPE_WEBHOOK_SECRET=fake_stripe.WEBHOOK_SECRET,
            STRIPE_API_BASE=payments_on,
        )
        worker_command = python("-m", "celery", "-A", "clinic", "worker", "--pool", "prefork", "--concurrency", "4")
        worker_command += ["--loglevel", "info", "-n", "one@%h", "--without-gossip", "--without-mingle"]
        worker = Process(worker_command, env, tmp_path / "worker.log")
        beats = [
            Process(python("-c", BEAT, str(tmp_path / f"beat{n}-schedule")), env, tmp_path / f"beat{n}.log")
            for n in (1, 2)
        ]
        try:
            assert wait_until(lambda: nothing_owed(charge), timeout=120, every=0.5), worker.tail()
            time.sleep(4)  # more ticks of both beats once everything is done: they must find nothing
            ticks = sum(beat.log.read_text().count("Sending due task sweep-payments") for beat in beats)
        finally:
            for process in [*beats, worker]:
                process.stop()

        delivered = sink.per_notification()
    sent = set(Notification.objects.filter(status=Status.SENT).values_list("pk", flat=True))
    assert ticks >= 8, [beat.tail() for beat in beats]
    assert {int(pk) for pk in delivered} == sent
    assert set(delivered.values()) == {1}
    assert len(sent) >= 10 + 2 + 2 + 1  # the reminders, the morning's notices, the cancellation's, the offer
    assert [intent["status"] for intent in intents_of(charge, payments_on)] == ["succeeded"]
    assert Charge.objects.get(pk=charge.pk).attempts == 1
    assert Offer.objects.count() == 1


@contextmanager
def tasks_run_in_the_thread() -> Iterator[None]:
    """Run every task handed to Celery at once, in the caller's thread, its errors raised."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        conf.task_always_eager, conf.task_eager_propagates = saved


def twice(rounds: int, job: Callable[[], Any]) -> None:
    """Run the job from two threads at once (each its own database connection), `rounds` times over."""
    errors: list[BaseException] = []

    def run(barrier: threading.Barrier) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    for _ in range(rounds):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=run, args=(barrier,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


def test_without_their_lock_the_jobs_run_twice_at_once_still_change_each_row_once(
    patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
    payments_on: str,
) -> None:
    charge = owed_work(patient, therapist, massage_type, admin_user, payments_on)
    celery_app.control.purge()
    mail.outbox.clear()

    def every_job_unlocked() -> None:
        # The tasks' bodies, as two beats' ticks that both got past the lock would run them.
        ids, handoff = outbox.claim_due(now=timezone.now(), limit=settings.NOTIFICATION_DISPATCH_LIMIT)
        outbox.enqueue(ids, handoff=handoff)
        reconcile.reconcile()
        waitlist.expire_due(now=timezone.now())
        consider_freed_time()

    with tasks_run_in_the_thread():
        twice(6, every_job_unlocked)

    assert nothing_owed(charge)
    sent = Notification.objects.filter(status=Status.SENT).values_list("pk", flat=True)
    delivered = [int(message.extra_headers["X-Clinic-Notification"]) for message in mail.outbox]
    assert sorted(delivered) == sorted(sent)
    assert [intent["status"] for intent in intents_of(charge, payments_on)] == ["succeeded"]
    assert Offer.objects.count() == 1


def test_a_second_tick_of_a_job_returns_at_once_while_the_first_holds_its_lock(
    patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = AppointmentFactory.create(
        patient=patient, therapist=therapist, massage_type=massage_type, start=local(the_day(3), 10)
    )
    due = reminder(appointment, due_at=timezone.now() - timedelta(minutes=1))
    holding, release = threading.Event(), threading.Event()

    def first_tick() -> None:
        with one_at_a_time("dispatch-due-notifications") as mine:
            assert mine
            holding.set()
            release.wait(timeout=30)
        connection.close()

    first = threading.Thread(target=first_tick)
    first.start()
    try:
        assert holding.wait(timeout=30)
        started = time.monotonic()
        assert dispatch_due_notifications() == 0
        assert Notification.objects.get(pk=due.pk).status == Status.PENDING  # left for the tick that runs
        with one_at_a_time("dispatch-due-notifications") as mine:
            assert not mine
        # Another job's lock is its own.
        assert sweep_payments() != {}
        assert time.monotonic() - started < 5
    finally:
        release.set()
        first.join()
    with one_at_a_time("dispatch-due-notifications") as mine:
        assert mine
    assert sweep_waitlist() == 0
    assert plan_daily_agendas() == 0
