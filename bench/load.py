"""Load test: locust against gunicorn on PostgreSQL, then the booking race at scale.

    python bench/load.py [--users 60] [--duration 180]

Creates its own database (clinic_load), seeds 10 therapists and 300 patients, starts
gunicorn ((2 x cores) + 1 workers, psycopg pool) on 127.0.0.1, runs locust headless for a
bounded time (80% availability reads, 20% bookings/cancellations), prints requests per
second and p50/p95/p99 per endpoint, checks the database for overlapping appointments, and
finally fires 50 concurrent bookings at one slot. Prints figures; asserts nothing on time.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import time as wall_time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("LOAD_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{SERVER}/clinic_load"
PORT = int(os.environ.get("LOAD_PORT", "8091"))
HOST = f"http://127.0.0.1:{PORT}"
OUT = ROOT / "var" / "load"

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "DATABASE_POOL": "1",
    "DEBUG": "0",
    "SECRET_KEY": "load-test-secret-key-that-is-long-enough-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_HSTS_SECONDS": "0",
    "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
    "EMAIL_URL": "consolemail://",
    "THROTTLE_BOOKING": "100000/hour",
    "THROTTLE_TOKEN": "100000/hour",
    "THROTTLE_REGISTER": "100000/hour",
    "MAX_ACTIVE_APPOINTMENTS": "6",
    "LOG_LEVEL": "ERROR",
}


def run(*args: str) -> None:
    subprocess.run(args, cwd=ROOT, env=ENV, check=True)  # noqa: S603


def prepare_database() -> dict[str, Any]:
    """Create and migrate clinic_load, seed it, and return the locust fixture."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS clinic_load WITH (FORCE)")
        conn.execute("CREATE DATABASE clinic_load")
    run(sys.executable, "manage.py", "migrate", "-v", "0")
    os.environ.update({k: v for k, v in ENV.items() if k in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}})
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    import django

    django.setup()
    from django.utils import timezone
    from knox.models import AuthToken

    from booking.models import MassageType
    from clinic.models import User
    from therapists.models import Therapist, WorkingHours

    types = [
        MassageType.objects.create(
            name="Deep tissue", slug="deep-tissue", duration_minutes=60, price=95, buffer_minutes=15
        ),
        MassageType.objects.create(name="Swedish", slug="swedish", duration_minutes=45, price=75),
    ]
    for n in range(10):
        user = User.objects.create_user(email=f"therapist{n}@load.test", password=None)
        therapist = Therapist.objects.create(user=user, display_name=f"Therapist {n}")
        therapist.massage_types.set(types)
        WorkingHours.objects.bulk_create(
            [WorkingHours(therapist=therapist, weekday=d, start=wall_time(9), end=wall_time(17)) for d in range(6)]
        )
    tokens = []
    for n in range(300):
        user = User.objects.create_user(email=f"patient{n}@load.test", password=None, last_name=str(n))
        tokens.append(AuthToken.objects.create(user=user)[1])
    first_day = timezone.localdate() + timedelta(days=2)  # beyond the free-cancellation window
    return {"tokens": tokens, "massage_types": [t.pk for t in types], "first_day": first_day.isoformat(), "days": 21}


def start_gunicorn() -> subprocess.Popen[bytes]:
    workers = 2 * (os.cpu_count() or 1) + 1
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "clinic.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(workers),
            "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning",
        ],
        cwd=ROOT, env=ENV, start_new_session=True,
    )  # fmt: skip
    for _ in range(60):
        try:
            urllib.request.urlopen(f"{HOST}/healthz", timeout=10)  # noqa: S310
            return process
        except OSError:  # refused, reset or timed out while the workers boot
            time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


def run_locust(users: int, duration: int) -> list[dict[str, str]]:
    fixture = OUT / "fixture.json"
    subprocess.run(  # noqa: S603
        [
            sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
            "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{duration}s", "--host", HOST,
            "--csv", str(OUT / "locust"), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING",
        ],
        cwd=ROOT, env={**ENV, "LOAD_FIXTURE": str(fixture)}, check=False, timeout=duration + 120,
    )  # fmt: skip
    with open(OUT / "locust_stats.csv") as stats:
        return list(csv.DictReader(stats))


def overlapping_pairs() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
              ON a.therapist_id = b.therapist_id AND a.id < b.id
             AND tstzrange(a.start, a.blocked_until, '[)') && tstzrange(b.start, b.blocked_until, '[)')
             WHERE a.status IN ('confirmed', 'completed', 'no_show')
               AND b.status IN ('confirmed', 'completed', 'no_show')
            """
        )
        return int(cursor.fetchone()[0])


def race(fixture: dict[str, Any], clients: int = 50) -> dict[str, int]:
    """Fire `clients` bookings of one slot at once through HTTP; count the answers."""
    tokens = list(fixture["tokens"])[-clients:]
    massage_type, day = fixture["massage_types"][0], fixture["first_day"]
    query = f"massage_type={massage_type}&date_from={day}&date_to={day}"
    with urllib.request.urlopen(f"{HOST}/api/v1/availability/?{query}", timeout=10) as response:  # noqa: S310
        slot = json.loads(response.read())["slots"][-1]
    body = json.dumps({"massage_type": massage_type, "therapist": slot["therapist"], "start": slot["start"]})
    barrier = threading.Barrier(clients)
    answers: list[int] = []

    def book(token: str) -> None:
        request = urllib.request.Request(  # noqa: S310
            f"{HOST}/api/v1/appointments/", data=body.encode(), method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )  # fmt: skip
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                answers.append(response.status)
        except urllib.error.HTTPError as error:
            answers.append(error.code)

    threads = [threading.Thread(target=book, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {str(code): answers.count(code) for code in sorted(set(answers))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--duration", type=int, default=180, help="seconds of load")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    fixture = prepare_database()
    (OUT / "fixture.json").write_text(json.dumps(fixture))
    server = start_gunicorn()
    try:
        rows = run_locust(args.users, args.duration)
        race_answers = race(fixture)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    overlaps = overlapping_pairs()

    print(f"\nLoad: {args.users} users for {args.duration}s against gunicorn on {HOST} (PostgreSQL, pooled)\n")
    print(f"{'endpoint':45} {'requests':>9} {'fails':>6} {'rps':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    summary = []
    for row in rows:
        print(
            f"{row['Name'][:45]:45} {row['Request Count']:>9} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
        summary.append(
            {k: row[k] for k in ("Name", "Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%")}
        )
    failures = OUT / "locust_failures.csv"
    server_errors = 0
    if failures.exists():
        for failure in csv.DictReader(failures.open()):
            if re.search(r"\b5\d\d\b", failure["Error"]):
                server_errors += int(failure["Occurrences"])
    print(f"\nserver errors (5xx): {server_errors}")
    print(f"overlapping active appointments in the database: {overlaps}")
    print(f"race, 50 clients on one slot: {race_answers} (exactly one 201 expected)")
    print(
        json.dumps(
            {
                "bench": "load",
                "users": args.users,
                "duration_s": args.duration,
                "stats": summary,
                "server_errors": server_errors,
                "overlaps": overlaps,
                "race": race_answers,
            }
        )
    )


if __name__ == "__main__":
    main()
