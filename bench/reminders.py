"""Send 10,000 due reminders through ONE Celery worker to a real SMTP sink; print time, rate and duplicates.

    .venv/bin/python bench/reminders.py [--rows 10000] [--concurrency 2] [--pool prefork]

It creates a scratch database (clinic_bench_reminders, dropped and made anew, then dropped at
the end) on the PostgreSQL server of DATABASE_URL, migrates it, writes the appointments and one
due reminder each, starts `celery -A clinic worker` against Redis (BENCH_BROKER_URL, else
CELERY_BROKER_URL), runs the beat's dispatch once and waits until every row is sent. The SMTP
sink counts messages per outbox row: any row delivered more than once is a duplicate (must be 0).
Figures only: it never passes or fails on time.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
SCRATCH_DB = "clinic_bench_reminders"


class CountingSink:
    """An SMTP server that counts accepted messages per X-Clinic-Notification header."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        notification = str(message_from_bytes(envelope.content)["X-Clinic-Notification"])
        with self.lock:
            self.counts[notification] += 1
        return "250 OK"

    def delivered(self) -> int:
        with self.lock:
            return sum(self.counts.values())


def scratch_url(base: str) -> str:
    return urlsplit(base)._replace(path=f"/{SCRATCH_DB}").geturl()


def recreate_database(base: str) -> None:
    admin_url = urlsplit(base)._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')


def drop_database(base: str) -> None:
    admin_url = urlsplit(base)._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_reminders(rows: int) -> None:
    """Write `rows` confirmed appointments, 100 per therapist, each with one reminder due a minute ago."""
    from decimal import Decimal

    from django.utils import timezone

    from booking.models import Appointment, MassageType, Notification, NotificationKind
    from clinic.models import User
    from therapists.models import Therapist

    now = timezone.now()
    per_therapist = 100
    therapist_count = -(-rows // per_therapist)
    massage = MassageType.objects.create(
        name="Deep tissue", slug="deep-tissue", duration_minutes=60, buffer_minutes=15, price=Decimal("90.00")
    )
    staff = User.objects.bulk_create(
        [User(email=f"therapist{i}@bench.test", first_name="T", last_name=str(i)) for i in range(therapist_count)]
    )
    therapists = Therapist.objects.bulk_create(
        [Therapist(user=user, display_name=f"Therapist {i}") for i, user in enumerate(staff)]
    )
    patients = User.objects.bulk_create(
        [User(email=f"patient{i}@bench.test", first_name="Pat", last_name=f"N{i}") for i in range(rows // 10 + 1)]
    )
    first_start = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    appointments = []
    for index in range(rows):
        start = first_start + timedelta(minutes=75 * (index // therapist_count))
        appointments.append(
            Appointment(
                patient=patients[index // 10],
                therapist=therapists[index % therapist_count],
                massage_type=massage,
                start=start,
                end=start + timedelta(minutes=60),
                blocked_until=start + timedelta(minutes=75),
                price=massage.price,
            )
        )
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    Notification.objects.bulk_create(
        [
            Notification(
                kind=NotificationKind.REMINDER,
                appointment=appointment,
                therapist_id=appointment.therapist_id,
                recipient=appointment.patient.email,
                due_at=now - timedelta(minutes=1),
            )
            for appointment in appointments
        ],
        batch_size=2000,
    )


def start_worker(
    *, broker: str, database: str, smtp_port: int, concurrency: int, pool: str, conn_max_age: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CONN_MAX_AGE": str(conn_max_age),
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "celery", "-A", "clinic", "worker", "--pool", pool]
    command += ["--concurrency", str(concurrency), "--loglevel", "warning", "-n", "bench@%h"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads", "solo"])
    parser.add_argument("--timeout", type=float, default=900.0, help="most seconds to wait for the sends")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=int(os.environ.get("CONN_MAX_AGE", "0")),
        help="the worker's CONN_MAX_AGE: 0 opens a database connection per task",
    )
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/clinic")
    broker = os.environ.get("BENCH_BROKER_URL") or os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
    database = scratch_url(base)
    os.environ.update(DATABASE_URL=database, CELERY_BROKER_URL=broker, DJANGO_SETTINGS_MODULE="clinic.settings")
    sys.path.insert(0, str(ROOT))
    recreate_database(base)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from booking.models import Notification, NotificationStatus
    from clinic.celery import app
    from notifications.tasks import dispatch_due_notifications

    call_command("migrate", verbosity=0)
    write_reminders(args.rows)
    app.control.purge()

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    worker = start_worker(
        broker=broker,
        database=database,
        smtp_port=controller.port,
        concurrency=args.concurrency,
        pool=args.pool,
        conn_max_age=args.conn_max_age,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=1.0):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("The worker did not come up.")

        started = time.monotonic()
        claimed = dispatch_due_notifications(limit=args.rows)
        dispatched = time.monotonic() - started
        sent = 0
        while time.monotonic() - started < args.timeout:
            sent = Notification.objects.filter(status=NotificationStatus.SENT).count()
            if sent >= args.rows:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        time.sleep(2)  # let any straggling duplicate reach the sink before counting
        statuses = dict(Counter(Notification.objects.values_list("status", flat=True)))
        connection.close()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        controller.stop()

    duplicates = sum(count - 1 for count in sink.counts.values() if count > 1)
    print(f"machine:        {platform.node() or 'unknown'}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"worker:         one `celery worker`, pool {args.pool}, concurrency {args.concurrency}, "
        f"CONN_MAX_AGE {args.conn_max_age}, broker {broker}"
    )
    print(f"rows:           {args.rows} due reminders; dispatch claimed {claimed} in {dispatched:.2f} s")
    print(f"all sent in:    {elapsed:.1f} s" if sent >= args.rows else f"timed out after {elapsed:.1f} s")
    print(f"e-mails/second: {sent / elapsed:.1f}")
    print(f"delivered:      {sink.delivered()} messages to the SMTP sink for {len(sink.counts)} rows")
    print(f"duplicates:     {duplicates}")
    print(f"row statuses:   {statuses}")
    drop_database(base)


if __name__ == "__main__":
    main()
