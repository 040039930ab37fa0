"""Load test: locust against gunicorn on PostgreSQL, then the booking race at scale.

    python bench/load.py [--users 60] [--duration 180] [--users-curve 10,30,60,120]
                         [--worker-class sync|gthread] [--threads N] [--workers N]

Creates its own database (LOAD_DATABASE, default clinic_load, with a suffix per tree so
bench/compare.py's two trees never share one), seeds 10 therapists and 300 patients, starts
gunicorn ((2 x cores) + 1 workers unless told, psycopg pool) on 127.0.0.1, runs locust
headless for a bounded time (80% availability reads, 20% bookings/cancellations), prints
requests per second and p50/p95/p99 per endpoint, checks the database for overlapping
appointments, and finally fires 50 concurrent bookings at one slot. With --users-curve each
number of users gets a fresh copy of the seeded database and a fresh server. At the end it
reads each gunicorn worker's resident memory from /proc. Prints figures and a final
`FIGURES {json}` line; asserts nothing on time.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
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
from datetime import date, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = os.environ.get("LOAD_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
DATABASE = f"{os.environ.get('LOAD_DATABASE', 'clinic_load')}_{hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]}"
SEEDED = f"{DATABASE}_seeded"
DATABASE_URL = f"{SERVER}/{DATABASE}"
PORT = int(os.environ.get("LOAD_PORT", "8091"))
HOST = f"http://127.0.0.1:{PORT}"
OUT = ROOT / "var" / "load"
# bench/compare.py runs this script in an earlier tree too: LOAD_LOCUSTFILE gives both the same users.
LOCUSTFILE = os.environ.get("LOAD_LOCUSTFILE", str(ROOT / "bench" / "locustfile.py"))

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


def prepare_database() -> dict[str, Any]:
    """Create, migrate and seed the seeded copy, and return the locust fixture."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SEEDED}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SEEDED}"')
    seeded_env = {**ENV, "DATABASE_URL": f"{SERVER}/{SEEDED}", "DATABASE_POOL": "0"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=seeded_env, check=True)
    os.environ.update(
        {k: v for k, v in seeded_env.items() if k in {"DATABASE_URL", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    import django

    django.setup()
    from django.utils import timezone
    from knox.models import AuthToken

    from booking.models import MassageType
    from clinic.models import User
    from locations.models import Room, default_location
    from therapists.models import Therapist, WorkingHours

    types = [
        MassageType.objects.create(
            name="Deep tissue", slug="deep-tissue", duration_minutes=60, price=95, buffer_minutes=15
        ),
        MassageType.objects.create(name="Swedish", slug="swedish", duration_minutes=45, price=75),
    ]
    # A room for each therapist at the one location: since rooms, a slot needs a free room too.
    location = default_location()
    Room.objects.bulk_create(Room(location=location, name=f"Room {n}") for n in range(10))
    for n in range(10):
        user = User.objects.create_user(email=f"therapist{n}@load.test", password=None)
        therapist = Therapist.objects.create(user=user, display_name=f"Therapist {n}")
        therapist.massage_types.set(types)
        WorkingHours.objects.bulk_create(
            [
                WorkingHours(therapist=therapist, location=location, weekday=d, start=wall_time(9), end=wall_time(17))
                for d in range(6)
            ]
        )
    tokens = []
    for n in range(300):
        user = User.objects.create_user(email=f"patient{n}@load.test", password=None, last_name=str(n))
        tokens.append(AuthToken.objects.create(user=user)[1])
    first_day = timezone.localdate() + timedelta(days=2)  # beyond the free-cancellation window
    fixture = {"tokens": tokens, "massage_types": [t.pk for t in types], "first_day": first_day.isoformat(), "days": 21}
    from django.db import connection, connections

    # Statistics of the seeded rows, as a clinic's database has; every copy starts with them.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connections.close_all()  # the seeded copy is a template: nobody may be connected to it
    return fixture


def fresh_database() -> None:
    """Give the server a fresh copy of the seeded database."""
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE "{SEEDED}"')


def start_gunicorn(options: argparse.Namespace) -> subprocess.Popen[bytes]:
    workers = options.workers or 2 * (os.cpu_count() or 1) + 1
    threads = ["--threads", str(options.threads)] if options.worker_class == "gthread" else []
    env = ENV
    if options.worker_class == "gthread":
        # A connection per thread: the pool must hold as many as a worker has threads.
        env = {**ENV, "DATABASE_POOL_MAX": str(max(8, options.threads + 2))}
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "gunicorn", "clinic.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(workers),
            "-k", options.worker_class, *threads, "--keep-alive", str(options.keep_alive),
            "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning",
        ],
        cwd=ROOT, env=env, start_new_session=True,
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
            sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--headless",
            "-u", str(users), "-r", str(max(1, users // 10)), "-t", f"{duration}s", "--host", HOST,
            "--csv", str(OUT / "locust"), "--only-summary", "--stop-timeout", "5", "--loglevel", "WARNING",
        ],
        cwd=ROOT, env={**ENV, "LOAD_FIXTURE": str(fixture)}, check=False, timeout=duration + 120,
    )  # fmt: skip
    with open(OUT / "locust_stats.csv") as stats:
        return list(csv.DictReader(stats))


def worker_rss(master: int) -> list[float]:
    """Return the resident memory (MiB) of each child of the gunicorn master, read from /proc."""
    sizes = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master:
                continue
            status = (entry / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        if rss:
            sizes.append(round(int(rss.group(1)) / 1024, 1))
    return sorted(sizes)


def overlapping_pairs() -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL) as conn, conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
              ON a.therapist_id = b.therapist_id AND a.id < b.id
             AND tstzrange(a.start, a.blocked_until, '[)') && tstzrange(b.start, b.blocked_until, '[)')
             WHERE a.status IN ('confirmed', 'completed', 'no_show')
               AND b.status IN ('confirmed', 'completed', 'no_show')
            """
        )
        found = cursor.fetchone()
        return int(found[0]) if found else 0


def race(fixture: dict[str, Any], clients: int = 50) -> dict[str, int]:
    """Fire `clients` bookings of one slot at once through HTTP; count the answers."""
    tokens = list(fixture["tokens"])[-clients:]
    massage_type, day = fixture["massage_types"][0], date.fromisoformat(fixture["first_day"])
    # A week from the first day: the first day alone may be a Sunday, when nobody works.
    query = f"massage_type={massage_type}&date_from={day}&date_to={day + timedelta(days=6)}"
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


def load_point(
    options: argparse.Namespace, users: int, fixture: dict[str, Any], *, race_at_end: bool
) -> dict[str, Any]:
    """Run one number of users on a fresh database and server; print its table and return its figures."""
    fresh_database()
    server = start_gunicorn(options)
    load = os.getloadavg()
    race_answers: dict[str, int] = {}
    try:
        rows = run_locust(users, options.duration)
        if race_at_end:
            race_answers = race(fixture)
        rss = worker_rss(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    overlaps = overlapping_pairs()
    print(
        f"\nLoad: {users} users for {options.duration}s against gunicorn on {HOST} "
        f"({options.worker_class}{f' x{options.threads} threads' if options.worker_class == 'gthread' else ''}, "
        f"PostgreSQL, pooled), load average {load[0]:.2f} at the start\n"
    )
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
    if race_at_end:
        print(f"race, 50 clients on one slot: {race_answers} (exactly one 201 expected)")
    print(f"gunicorn workers' resident memory (MiB): {rss}")
    total = next((row for row in rows if row["Name"] == "Aggregated"), rows[-1] if rows else {})
    point = {
        "users": users,
        "rps": round(float(total.get("Requests/s", 0)), 1),
        "p50_ms": float(total.get("50%", 0) or 0),
        "p95_ms": float(total.get("95%", 0) or 0),
        "p99_ms": float(total.get("99%", 0) or 0),
        "requests": int(total.get("Request Count", 0) or 0),
        "failures": int(total.get("Failure Count", 0) or 0),
        "server_errors": server_errors,
        "overlaps": overlaps,
        "worker_rss_mib": rss,
        "load_average_start": round(load[0], 2),
        "stats": summary,
    }
    if race_at_end:
        point["race"] = race_answers
    return point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--users-curve", default="", help="several numbers of users, e.g. 10,30,60,120")
    parser.add_argument("--duration", type=int, default=180, help="seconds of load (each point of a curve)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per worker with gthread")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default (2 x cores) + 1)")
    parser.add_argument("--keep-alive", type=int, default=2, help="gunicorn's keep-alive seconds")
    parser.add_argument("--revalidate", action="store_true", help="users revalidate kept answers by ETag")
    parser.add_argument("--cache-url", default="", help="the server's CACHE_URL (default: the database cache)")
    options = parser.parse_args()
    if options.revalidate:
        ENV["LOAD_REVALIDATE"] = "1"
    if options.cache_url:
        ENV["CACHE_URL"] = options.cache_url
    OUT.mkdir(parents=True, exist_ok=True)
    fixture = prepare_database()
    (OUT / "fixture.json").write_text(json.dumps(fixture))
    curve = [int(n) for n in options.users_curve.split(",") if n] or [options.users]
    points = [load_point(options, users, fixture, race_at_end=users == curve[-1]) for users in curve]
    figures: dict[str, Any] = {
        "worker_class": options.worker_class,
        "threads": options.threads if options.worker_class == "gthread" else 1,
        "duration_s": options.duration,
        "revalidate": int(options.revalidate),
        "cache": options.cache_url or "database",
    }
    for point in points:
        key = f"u{point['users']}"
        for name in ("rps", "p50_ms", "p95_ms", "p99_ms", "server_errors", "overlaps"):
            figures[f"{key}_{name}"] = point[name]
        rss = point["worker_rss_mib"]
        figures[f"{key}_worker_rss_max_mib"] = max(rss) if rss else 0
    figures["race"] = json.dumps(points[-1].get("race", {}), sort_keys=True)
    figures["race_201"] = points[-1].get("race", {}).get("201", 0)
    print("\n" + json.dumps({"bench": "load", "points": points}))
    print("FIGURES " + json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
