"""Benchmark of the waitlist: 1,000 waiting entries and 100 cancellations, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic python bench/waitlist.py

Uses the bench database on the same server (clinic_bench, created and migrated when
missing) and seeds it inside a transaction that is rolled back at the end, so nothing is
left behind and no notification is ever sent. Seeds 20 therapists (Monday-Friday
09:00-17:00, a room each, three massage types of 60 minutes with a 15-minute turnover), their
next ten working days booked full (six sessions a day each), and 1,000 waitlist entries of
1,000 patients in joining order: a massage, any therapist or one or two of them, one to five
of those days, and a window (mornings, afternoons, after 15:00 or all day). Then cancels 100
sessions, one after the other, each through booking.services.cancel (which notes the freed
time in its transaction) followed by the consider step that offers it
(waitlist.services.consider_next), and prints a table and one JSON line: the time and the
queries of each (median and 95th percentile), the total, and how many offers were made.
Prints figures only; it never fails on time.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same bench database, found and created the same way as the availability bench's.
from bench.availability import bench_database_url, ensure_database  # noqa: E402

THERAPISTS = 20
DAYS = 10
ENTRIES = 1000
CANCELLATIONS = 100
SEED = 2026
# 60-minute sessions with a 15-minute turnover, back to back from 09:00: six fit before 17:00.
STARTS = [wall_time(9), wall_time(10, 15), wall_time(11, 30), wall_time(12, 45), wall_time(14), wall_time(15, 15)]
WINDOWS = [(wall_time(9), wall_time(12)), (wall_time(12), wall_time(17)), (wall_time(15), wall_time(23, 59))]


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

    call_command("migrate", verbosity=0, interactive=False)


def working_days(first: date) -> list[date]:
    days: list[date] = []
    day = first
    while len(days) < DAYS:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def seed(rng: random.Random, days: list[date]) -> list[Any]:
    """Seed the clinic and the waitlist; return the sessions that may be cancelled."""
    from django.utils import timezone

    from booking.models import Appointment, MassageType
    from clinic.models import User
    from locations.models import Room, default_location
    from therapists.models import Therapist, WorkingHours
    from waitlist.models import WaitlistEntry

    zone = timezone.get_default_timezone()
    now = timezone.now()
    massages = [
        MassageType.objects.create(
            name=f"Bench waitlist massage {n}",
            slug=f"bench-waitlist-{n}",
            duration_minutes=60,
            buffer_minutes=15,
            price=Decimal("90"),
        )
        for n in range(3)
    ]
    users = User.objects.bulk_create(
        User(email=f"bench-wl-therapist-{n}@bench.test", first_name="Bench", last_name=f"T{n}")
        for n in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Bench therapist {n:02d}", calendar_token=f"bench-wl-{n}")
        for n, user in enumerate(users)
    )
    Therapist.massage_types.through.objects.bulk_create(
        Therapist.massage_types.through(therapist_id=t.pk, massagetype_id=m.pk) for t in therapists for m in massages
    )
    location = default_location()
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, location=location, weekday=day, start=wall_time(9), end=wall_time(17))
        for t in therapists
        for day in range(5)
    )
    rooms = Room.objects.bulk_create(Room(location=location, name=f"Bench room {n:02d}") for n in range(THERAPISTS))
    booked_by = User.objects.bulk_create(
        User(email=f"bench-wl-booked-{n}@bench.test", first_name="Bench", last_name=f"B{n}", email_confirmed_at=now)
        for n in range(THERAPISTS * DAYS * len(STARTS))
    )
    sessions = []
    who = iter(booked_by)
    for therapist, room in zip(therapists, rooms, strict=True):
        for day in days:
            for start_at in STARTS:
                start = datetime.combine(day, start_at, tzinfo=zone)
                massage = rng.choice(massages)
                end, blocked_until = massage.span(start)
                sessions.append(
                    Appointment(
                        patient=next(who),
                        therapist=therapist,
                        massage_type=massage,
                        room=room,
                        start=start,
                        end=end,
                        blocked_until=blocked_until,
                        price=massage.price,
                    )
                )
    sessions = Appointment.objects.bulk_create(sessions)
    waiting = User.objects.bulk_create(
        User(email=f"bench-wl-patient-{n}@bench.test", first_name="Bench", last_name=f"W{n}", email_confirmed_at=now)
        for n in range(ENTRIES)
    )
    entries = []
    for n, patient in enumerate(waiting):
        first = rng.randrange(DAYS)
        last = min(DAYS - 1, first + rng.randrange(5))
        window = rng.choice([*WINDOWS, (wall_time(0), wall_time(23, 59))])
        entries.append(
            WaitlistEntry(
                patient=patient,
                massage_type=rng.choice(massages),
                date_from=days[first],
                date_to=days[last],
                weekdays=[0, 1, 2, 3, 4],
                time_from=window[0],
                time_to=window[1],
                joined_at=now - timedelta(minutes=ENTRIES - n),
            )
        )
    entries = WaitlistEntry.objects.bulk_create(entries)
    chosen = WaitlistEntry.therapists.through
    picks = []
    for entry in entries:
        if rng.random() < 0.5:
            for therapist in rng.sample(therapists, rng.choice([1, 2])):
                picks.append(chosen(waitlistentry_id=entry.pk, therapist_id=therapist.pk))
    chosen.objects.bulk_create(picks)
    return sessions


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure() -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking import services as booking
    from waitlist import services

    rng = random.Random(SEED)
    days = working_days(timezone.localdate() + timedelta(days=2))
    figures: dict[str, Any] = {}
    try:
        with transaction.atomic():
            sessions = seed(rng, days)
            # Statistics of the seeded rows, as a clinic's database has (bench/availability.py's
            # analyze_seeded; written out here: compare.py runs this script in older trees too).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            cancel_ms: list[float] = []
            consider_ms: list[float] = []
            cancel_queries: list[int] = []
            consider_queries: list[int] = []
            offers = 0
            started_all = time.perf_counter()
            for session in rng.sample(sessions, CANCELLATIONS):
                now = timezone.now()
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    booking.cancel(appointment=session, by=session.patient, now=now)
                    cancel_ms.append((time.perf_counter() - started) * 1000)
                cancel_queries.append(len(queries))
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    made = services.consider_next(now=now)
                    consider_ms.append((time.perf_counter() - started) * 1000)
                consider_queries.append(len(queries))
                offers += len(made or [])
            figures["total_s"] = time.perf_counter() - started_all
            figures["offers"] = offers
            series: tuple[tuple[str, list[float]], ...] = (
                ("cancel_ms", cancel_ms),
                ("consider_ms", consider_ms),
                ("cancel_queries", [float(n) for n in cancel_queries]),
                ("consider_queries", [float(n) for n in consider_queries]),
            )
            for name, values in series:
                figures[f"{name}_median"] = statistics.median(values)
                figures[f"{name}_p95"] = percentile(values, 0.95)
                figures[f"{name}_max"] = max(values)
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
        "entries": ENTRIES,
        "cancellations": CANCELLATIONS,
    }
    rows = [
        (
            f"{CANCELLATIONS} cancellations processed (cancel + offer)",
            f"{figures['total_s']:.2f} s, {figures['offers']} offers made",
        ),
        (
            "cancel (notes the freed time)",
            f"median {figures['cancel_ms_median']:.1f} ms, p95 {figures['cancel_ms_p95']:.1f} ms; "
            f"{figures['cancel_queries_median']:g} queries (max {figures['cancel_queries_max']:g})",
        ),
        (
            "consider (finds the slots, holds, e-mails)",
            f"median {figures['consider_ms_median']:.1f} ms, p95 {figures['consider_ms_p95']:.1f} ms; "
            f"{figures['consider_queries_median']:g} queries (p95 {figures['consider_queries_p95']:g}, "
            f"max {figures['consider_queries_max']:g})",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"Waitlist bench: {ENTRIES} entries, {THERAPISTS} therapists, {DAYS} full days")
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    print(json.dumps({"bench": "waitlist", **context, **figures}, default=str))


if __name__ == "__main__":
    main()
