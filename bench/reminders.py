"""Send 10,000 due reminders through ONE Celery worker to a real SMTP sink; print time, rate and duplicates.

    .venv/bin/python bench/reminders.py [--rows 10000] [--concurrency 2] [--pool prefork]

It creates a scratch database (clinic_bench_reminders, or BENCH_DATABASE; dropped and made anew,
then dropped at the end) on the PostgreSQL server of DATABASE_URL, migrates it, writes the appointments and one
due reminder each, starts `celery -A clinic worker` against Redis (BENCH_BROKER_URL, else
CELERY_BROKER_URL), runs the beat's dispatch once and waits until every row is sent. The SMTP
sink counts messages per outbox row: any row delivered more than once is a duplicate (must be 0).
Then, in this process, it claims `--probe` more due reminders and sends them through the send
task the tree has (`send_notifications` in batches, or the one-row `send_notification` of
earlier trees), counting the SQL statements per e-mail (Django's CaptureQueriesContext).
Figures only: it never passes or fails on time; the last line is `FIGURES {json}`.
"""

from __future__ import annotations

import argparse
import json
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
# BENCH_DATABASE names another scratch database (two people benchmarking on one server).
SCRATCH_DB = os.environ.get("BENCH_DATABASE", "clinic_bench_reminders")


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
    """Write `rows` confirmed appointments, 100 per therapist and room, each with one reminder due a minute ago."""
    from decimal import Decimal

    from django.utils import timezone

    from booking.models import Appointment, MassageType, Notification, NotificationKind
    from clinic.models import User
    from locations.models import Room, default_location
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
    # A room each: a session takes a room as well as a therapist (the room rule).
    location = default_location()
    rooms = Room.objects.bulk_create(
        [Room(location=location, name=f"Bench room {i:03d}") for i in range(therapist_count)]
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
                room=rooms[index % therapist_count],
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


def probe_statements(rows: int) -> tuple[float, float, str]:
    """Send `rows` more due reminders in this process; return statements and milliseconds per e-mail, and the task."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking import outbox
    from booking.models import Appointment, Notification, NotificationKind
    from notifications import tasks

    now = timezone.now()
    appointments = list(Appointment.objects.select_related("patient").order_by("pk")[:rows])
    Notification.objects.bulk_create(
        [
            Notification(
                kind=NotificationKind.REMINDER,
                appointment=appointment,
                therapist_id=appointment.therapist_id,
                recipient=appointment.patient.email,
                due_at=now - timedelta(minutes=2),
            )
            for appointment in appointments
        ]
    )
    ids, handoff = outbox.claim_due(now=now, limit=rows)
    batch_task = getattr(tasks, "send_notifications", None)
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        if batch_task is not None:
            size = getattr(outbox, "SEND_BATCH", 50)
            for start in range(0, len(ids), size):
                batch_task(ids[start : start + size], handoff)
        else:
            for notification_id in ids:
                tasks.send_notification(notification_id, handoff)
    elapsed = time.monotonic() - started
    task = "send_notifications (batches)" if batch_task is not None else "send_notification (one row a task)"
    return len(queries) / max(len(ids), 1), 1000 * elapsed / max(len(ids), 1), task


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
    parser.add_argument("--probe", type=int, default=200, help="reminders sent in-process to count statements")
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
    load_at_start = os.getloadavg()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    sink = CountingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    os.environ.update(
        DATABASE_URL=database,
        CELERY_BROKER_URL=broker,
        DJANGO_SETTINGS_MODULE="clinic.settings",
        EMAIL_URL=f"smtp://127.0.0.1:{controller.port}",
    )
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
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    try:
        statements, milliseconds, probe_task = probe_statements(args.probe)
        connection.close()
    finally:
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
    print(f"in-process:     {args.probe} more through {probe_task}:")
    print(f"                {statements:.2f} statements and {milliseconds:.1f} ms an e-mail")
    print(f"load average:   {load_at_start[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    figures = {
        "rows": args.rows,
        "dispatch_s": round(dispatched, 2),
        "all_sent_s": round(elapsed, 1),
        "emails_per_s": round(sent / elapsed, 1),
        "duplicates": duplicates,
        "statements_per_email": round(statements, 2),
        "in_process_ms_per_email": round(milliseconds, 2),
        "load_average_end": round(os.getloadavg()[0], 2),
    }
    print("FIGURES " + json.dumps(figures))
    drop_database(base)


if __name__ == "__main__":
    main()
