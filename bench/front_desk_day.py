"""Benchmark of the front desk's calendar: server time of a busy day view, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic python bench/front_desk_day.py

Uses the bench database on the same server (clinic_bench, created and migrated when
missing) and seeds it inside a transaction that is rolled back at the end, so nothing is
left behind and no notification is ever sent. Seeds a busy day: 8 therapists (09:00-17:00,
a room each) and 60 sessions of 45 minutes with a 15-minute turnover, a red flag on every
seventh. Then prints a table and one JSON line: the whole GET of the day view through
Django's test client (middleware, view, template), by therapist and by room, the grid's
computation alone (frontdesk.calendar.build, its queries included), the version the page
polls, and the queries of each. Medians of 15 runs after a warm-up; prints figures only, it
never fails on time.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same bench database, found and created the same way as the availability bench's.
from bench.availability import bench_database_url, ensure_database  # noqa: E402

THERAPISTS = 8
SESSIONS = 60
RUNS = 15


class Rollback(Exception):
    """Raised at the end to roll the seeded data back."""


def setup_django() -> None:
    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0, interactive=False)
    setup_test_environment()  # the test client's host, and e-mail kept in memory


def median_ms(call: Callable[[], Any], runs: int = RUNS) -> float:
    """Return the median milliseconds of the call after one warm-up."""
    call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def seed(day: date) -> Any:
    """Seed the busy day and return the staff member who looks at it."""
    from booking.models import Appointment, MassageType
    from clinic.models import User
    from locations.models import Room, default_location
    from therapists.models import Therapist, WorkingHours

    location = default_location()
    massage = MassageType.objects.create(
        name="Calendar bench massage",
        slug="calendar-bench-massage",
        duration_minutes=45,
        buffer_minutes=15,
        price=Decimal("80"),
    )
    users = User.objects.bulk_create(
        User(email=f"calendar-bench-t{n}@bench.test", first_name="Bench", last_name=f"T{n}") for n in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Calendar bench {n:02d}", calendar_token=f"calendar-bench-{n}")
        for n, user in enumerate(users)
    )
    rooms = Room.objects.bulk_create(
        Room(location=location, name=f"Calendar bench room {n:02d}") for n in range(THERAPISTS)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, location=location, weekday=day.weekday(), start=wall_time(9), end=wall_time(17))
        for t in therapists
    )
    patients = User.objects.bulk_create(
        User(email=f"calendar-bench-p{n}@bench.test", first_name="Patient", last_name=f"P{n}") for n in range(SESSIONS)
    )
    zone = location.zone
    rows = []
    for n in range(SESSIONS):
        index = n % THERAPISTS
        start = datetime.combine(day, wall_time(9), tzinfo=zone) + timedelta(hours=n // THERAPISTS)
        rows.append(
            Appointment(
                patient=patients[n],
                therapist=therapists[index],
                massage_type=massage,
                room=rooms[index],
                start=start,
                end=start + timedelta(minutes=45),
                blocked_until=start + timedelta(hours=1),
                price=massage.price,
                red_flags=["recent_injury"] if n % 7 == 0 else [],
                provider_consulted=n % 7 == 0,
            )
        )
    Appointment.objects.bulk_create(rows)
    return User.objects.create_superuser(email="calendar-bench-owner@bench.test", password=None), location


def measure() -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from frontdesk import calendar

    # The second factor is the gate's business, not the page's: the bench signs in past it.
    settings.TWO_FACTOR_REQUIRED = False
    day = timezone.localdate() + timedelta(days=7)
    figures: dict[str, Any] = {}
    try:
        with transaction.atomic():
            owner, location = seed(day)
            # Statistics of the seeded rows, as a clinic's database has (bench/availability.py's
            # analyze_seeded; written out here: compare.py runs this script in older trees too).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            client = Client()
            client.force_login(owner)
            pages = {
                "day_by_therapist": f"/admin/calendar/?date={day}",
                "day_by_room": f"/admin/calendar/?date={day}&by=room",
                "week_of_one_therapist": f"/admin/calendar/week/?date={day}",
                "version": f"/admin/calendar/version/?date={day}",
            }
            for name, url in pages.items():
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                figures[f"{name}_queries"] = len(queries)
                figures[f"{name}_bytes"] = len(response.content)
                figures[f"{name}_ms"] = median_ms(partial(client.get, url))
            now = timezone.now()

            def build() -> None:
                calendar.build(location=location, day_from=day, day_to=day, now=now)

            with CaptureQueriesContext(connection) as queries:
                grid = calendar.build(location=location, day_from=day, day_to=day, now=now)
            figures["build_queries"] = len(queries)
            figures["columns"] = len(grid.columns)
            figures["cells"] = sum(len(column.cells) for column in grid.columns)
            figures["sessions"] = len(grid.sessions)
            figures["build_ms"] = median_ms(build)
            raise Rollback
    except Rollback:
        pass
    return figures


def main() -> None:
    setup_django()
    from django.db import connection

    figures = measure()
    context = {
        "python": platform.python_version(),
        "postgresql": connection.cursor().connection.info.server_version,
        "cores": os.cpu_count(),
        "therapists": THERAPISTS,
    }
    rows = [
        (
            f"day view by therapist ({figures['columns']} columns, {figures['sessions']} sessions)",
            f"{figures['day_by_therapist_ms']:.1f} ms, {figures['day_by_therapist_queries']} queries, "
            f"{figures['day_by_therapist_bytes'] // 1024} KiB",
        ),
        ("day view by room", f"{figures['day_by_room_ms']:.1f} ms, {figures['day_by_room_queries']} queries"),
        (
            "week view of one therapist",
            f"{figures['week_of_one_therapist_ms']:.1f} ms, {figures['week_of_one_therapist_queries']} queries",
        ),
        (
            "the grid alone (frontdesk.calendar.build)",
            f"{figures['build_ms']:.1f} ms, {figures['build_queries']} queries, {figures['cells']} cells",
        ),
        ("the poll (version, no 304)", f"{figures['version_ms']:.1f} ms, {figures['version_queries']} queries"),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"Front desk calendar benchmark (median of {RUNS} runs; Python {context['python']}, "
        f"PostgreSQL {context['postgresql']}, {context['cores']} cores)"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    rounded = {key: round(value, 3) if isinstance(value, float) else value for key, value in figures.items()}
    print(json.dumps({"bench": "calendar", **context, **rounded}, sort_keys=True))


if __name__ == "__main__":
    main()
