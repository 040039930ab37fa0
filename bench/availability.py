"""Benchmark of the availability engine and of booking, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/clinic python bench/availability.py

Uses a dedicated database on the same server (clinic_bench, created and migrated when
missing) and seeds it inside a transaction that is rolled back at the end, so nothing is
left behind and no notification is ever sent. Seeds 20 therapists (Monday-Friday
09:00-17:00, one 60-minute type, no buffer, a plain room each) with about 40% of the next 30
days booked, then prints a table and one JSON line: find_slots for 1 and for 20 therapists
over 30 days (median of 7 runs, alternating with the floor, and the queries it made), the
floor (the engine's own queries materialised with values_list, nothing computed), their
ratio, and 200 bookings through services.book. The rooms scenario adds a second location:
20 more therapists sharing 10 rooms (half with a heated table, two closed half a day a
week), sessions spread over the rooms, and a hot stone massage (15-minute buffer) that
needs the heated table. Prints figures only; it never fails on time.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DATABASE = "clinic_bench"
THERAPISTS = 20
ROOMS = 10
DAYS = 30
BOOKED_SHARE = 0.4
RUNS = 7
BOOKINGS = 200
SEED = 2026


class Rollback(Exception):
    """Raised at the end to roll the seeded data back."""


def bench_database_url() -> str:
    """Return the URL of the bench database on the server of DATABASE_URL (PostgreSQL only)."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
        sys.exit("bench/availability.py runs on PostgreSQL: set DATABASE_URL=postgres://user@host:port/db")
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def ensure_database(url: str) -> None:
    """Create the bench database if the server does not have it yet."""
    import psycopg

    parts = urlsplit(url)
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')


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


def paired_medians(first: Callable[[], Any], second: Callable[[], Any], runs: int = RUNS) -> tuple[float, float]:
    """Return the median seconds of each call, run alternately so both meet the same machine load."""
    first()  # warm caches and connections
    second()
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for func, bucket in ((first, timings[0]), (second, timings[1])):
            started = time.perf_counter()
            func()
            bucket.append(time.perf_counter() - started)
    return statistics.median(timings[0]), statistics.median(timings[1])


def seed(rng: random.Random, first_day: date) -> tuple[Any, list[Any], list[Any]]:
    from booking.models import Appointment, MassageType
    from clinic.models import User
    from locations.models import Room, default_location
    from therapists.models import Therapist, WorkingHours

    zone_days = [first_day + timedelta(days=n) for n in range(DAYS)]
    massage = MassageType.objects.create(
        name="Bench massage", slug="bench-massage", duration_minutes=60, buffer_minutes=0, price=Decimal("90")
    )
    users = User.objects.bulk_create(
        User(email=f"bench-therapist-{n}@bench.test", first_name="Bench", last_name=f"T{n}") for n in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Bench therapist {n:02d}", calendar_token=f"bench-{n}")
        for n, user in enumerate(users)
    )
    Therapist.massage_types.through.objects.bulk_create(
        Therapist.massage_types.through(therapist_id=t.pk, massagetype_id=massage.pk) for t in therapists
    )
    location = default_location()
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, location=location, weekday=day, start=wall_time(9), end=wall_time(17))
        for t in therapists
        for day in range(5)
    )
    # A plain room each, as before rooms existed: the rooms never decide here.
    rooms = Room.objects.bulk_create(Room(location=location, name=f"Bench room {n:02d}") for n in range(THERAPISTS))
    room_of = {t.pk: room for t, room in zip(therapists, rooms, strict=True)}
    from django.utils import timezone

    # Confirmed addresses: services.book keeps only one booking for an unconfirmed account.
    patients = User.objects.bulk_create(
        User(
            email=f"bench-patient-{n}@bench.test",
            first_name="Bench",
            last_name=f"P{n}",
            email_confirmed_at=timezone.now(),
        )
        for n in range(400)
    )

    zone = timezone.get_default_timezone()
    appointments = []
    for therapist in therapists:
        for day in zone_days:
            if day.weekday() >= 5:
                continue
            for hour in range(9, 17):
                if rng.random() < BOOKED_SHARE:
                    start = datetime.combine(day, wall_time(hour), tzinfo=zone)
                    appointments.append(
                        Appointment(
                            patient=rng.choice(patients[:200]),
                            therapist=therapist,
                            massage_type=massage,
                            room=room_of[therapist.pk],
                            start=start,
                            end=start + timedelta(hours=1),
                            blocked_until=start + timedelta(hours=1),
                            price=massage.price,
                        )
                    )
    Appointment.objects.bulk_create(appointments, batch_size=1000)
    return massage, therapists, patients[200:]


def floor_rows(massage: Any, therapist_ids: list[int] | None, first_day: date, last_day: date) -> None:
    """Run the engine's four queries and materialise their rows, computing nothing."""
    from django.db.models import FilteredRelation, Q

    from booking.availability import clinic_day_bounds, suitable_rooms
    from booking.models import Appointment
    from therapists.models import Therapist, TimeOff, WorkingHours

    range_start, range_end = clinic_day_bounds(first_day, last_day)
    hours = WorkingHours.objects.filter(
        therapist__in=Therapist.objects.active().offering(massage), location__is_active=True
    )
    if therapist_ids is not None:
        hours = hours.filter(therapist_id__in=therapist_ids)
    rows = list(
        hours.order_by().values_list("therapist_id", "location_id", "location__time_zone", "weekday", "start", "end")
    )
    ids = list({row[0] for row in rows})
    list(
        TimeOff.objects.filter(therapist_id__in=ids)
        .overlapping(range_start, range_end)
        .order_by()
        .values_list("therapist_id", "start", "end")
    )
    rooms = list(
        suitable_rooms(massage, None)
        .filter(location_id__in={row[1] for row in rows})
        .annotate(
            closure=FilteredRelation(
                "closures",
                condition=Q(closures__start__lt=range_end + massage.buffer, closures__end__gt=range_start),
            )
        )
        .order_by()
        .values_list("pk", "location_id", "closure__start", "closure__end")
    )
    list(
        Appointment.objects.active()
        .filter(
            Q(therapist_id__in=ids) | Q(room_id__in=list({room[0] for room in rooms})),
            start__lt=range_end + massage.buffer,
            blocked_until__gt=range_start,
        )
        .order_by()
        .values_list("therapist_id", "room_id", "start", "blocked_until")
    )


def seed_rooms(rng: random.Random, first_day: date) -> tuple[Any, list[Any]]:
    """Seed the rooms scenario: a second location, 20 therapists sharing 10 rooms; return the hot stone type."""
    from booking.models import Appointment, MassageType
    from clinic.models import User
    from locations.models import Location, Room, RoomClosure, RoomFeature
    from therapists.models import Therapist, WorkingHours

    location = Location.objects.create(name="Bench uptown", address="1 Bench Street", time_zone="America/New_York")
    heated = RoomFeature.objects.create(name="Bench heated table", slug="bench-heated-table")
    hot_stone = MassageType.objects.create(
        name="Bench hot stone", slug="bench-hot-stone", duration_minutes=60, buffer_minutes=15, price=Decimal("110")
    )
    hot_stone.needs_features.add(heated)
    plain = MassageType.objects.create(
        name="Bench plain", slug="bench-plain", duration_minutes=60, buffer_minutes=0, price=Decimal("90")
    )
    rooms = Room.objects.bulk_create(Room(location=location, name=f"Uptown {n:02d}") for n in range(ROOMS))
    Room.features.through.objects.bulk_create(
        Room.features.through(room_id=room.pk, roomfeature_id=heated.pk) for room in rooms[::2]
    )
    users = User.objects.bulk_create(
        User(email=f"bench-uptown-{n}@bench.test", first_name="Bench", last_name=f"U{n}") for n in range(THERAPISTS)
    )
    therapists = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Bench uptown {n:02d}", calendar_token=f"bench-uptown-{n}")
        for n, user in enumerate(users)
    )
    Therapist.massage_types.through.objects.bulk_create(
        Therapist.massage_types.through(therapist_id=t.pk, massagetype_id=type_id)
        for t in therapists
        for type_id in (hot_stone.pk, plain.pk)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, location=location, weekday=day, start=wall_time(9), end=wall_time(17))
        for t in therapists
        for day in range(5)
    )
    patients = User.objects.bulk_create(
        User(email=f"bench-uptown-patient-{n}@bench.test", first_name="Bench", last_name=f"Q{n}") for n in range(200)
    )
    zone = location.zone
    days = [first_day + timedelta(days=n) for n in range(DAYS)]
    closures = []
    for day in days:
        if day.weekday() == 2:  # two rooms (one heated) closed on Wednesday mornings for cleaning
            for room in rooms[:2]:
                start = datetime.combine(day, wall_time(9), tzinfo=zone)
                closures.append(RoomClosure(room=room, start=start, end=start + timedelta(hours=4)))
    RoomClosure.objects.bulk_create(closures)
    closed = {(c.room_id, c.start.date()) for c in closures}
    appointments = []
    for day in days:
        if day.weekday() >= 5:
            continue
        for hour in range(9, 17):
            # Each hour, some rooms hold a session of some therapists: rooms are the scarce thing.
            taken = rng.sample(rooms, k=rng.randint(3, ROOMS - 1))
            for room, therapist in zip(taken, rng.sample(therapists, k=len(taken)), strict=False):
                if (room.pk, day) in closed and hour < 13:
                    continue
                start = datetime.combine(day, wall_time(hour), tzinfo=zone)
                appointments.append(
                    Appointment(
                        patient=rng.choice(patients),
                        therapist=therapist,
                        massage_type=plain,
                        room=room,
                        start=start,
                        end=start + timedelta(hours=1),
                        blocked_until=start + timedelta(hours=1),
                        price=plain.price,
                    )
                )
    Appointment.objects.bulk_create(appointments, batch_size=1000)
    return hot_stone, therapists


def measure() -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking import services
    from booking.availability import find_slots
    from booking.exceptions import SlotTaken
    from booking.models import Appointment

    rng = random.Random(SEED)
    first_day = timezone.localdate() + timedelta(days=1)
    last_day = first_day + timedelta(days=DAYS - 1)
    figures: dict[str, Any] = {}
    try:
        with transaction.atomic():
            massage, therapists, patients = seed(rng, first_day)
            figures["appointments_seeded"] = Appointment.objects.filter(massage_type=massage).count()
            one = [therapists[0].pk]

            # The rooms scenario has its own location, therapists and generator, so the first
            # two scenarios and the bookings below see the same data as before rooms.
            hot_stone, _ = seed_rooms(random.Random(SEED + 1), first_day)
            figures["appointments_seeded_rooms"] = Appointment.objects.filter(
                room__location__name="Bench uptown"
            ).count()
            for label, massage_type, subset in (
                ("one", massage, one),
                ("all", massage, None),
                ("rooms", hot_stone, None),
            ):
                with CaptureQueriesContext(connection) as queries:
                    slots = find_slots(massage_type, first_day, last_day, subset)
                figures[f"find_slots_{label}_queries"] = len(queries)
                figures[f"find_slots_{label}_slots"] = len(slots)

                def engine_call(massage_type: Any = massage_type, subset: list[int] | None = subset) -> None:
                    find_slots(massage_type, first_day, last_day, subset)

                def floor_call(massage_type: Any = massage_type, subset: list[int] | None = subset) -> None:
                    floor_rows(massage_type, subset, first_day, last_day)

                engine, floor = paired_medians(engine_call, floor_call)
                figures[f"find_slots_{label}_ms"] = 1000 * engine
                figures[f"floor_{label}_ms"] = 1000 * floor
                figures[f"ratio_{label}"] = figures[f"find_slots_{label}_ms"] / figures[f"floor_{label}_ms"]

            free = find_slots(massage, first_day, last_day)
            picks = rng.sample(free, k=min(BOOKINGS * 3, len(free)))
            therapist_by_id = {t.pk: t for t in therapists}
            timings: list[float] = []
            refused = 0
            total_started = time.perf_counter()
            for n, slot in enumerate(picks):
                if len(timings) == BOOKINGS:
                    break
                started = time.perf_counter()
                try:
                    services.book(
                        patient=patients[n % len(patients)],
                        therapist=therapist_by_id[slot.therapist_id],
                        massage_type=massage,
                        start=slot.start,
                    )
                except SlotTaken:
                    refused += 1  # an earlier pick of this run took an overlapping start
                    continue
                timings.append(time.perf_counter() - started)
            figures["bookings"] = len(timings)
            figures["bookings_refused_overlap"] = refused
            figures["booking_median_ms"] = 1000 * statistics.median(timings)
            figures["bookings_total_s"] = time.perf_counter() - total_started
            raise Rollback
    except Rollback:
        pass
    return figures


def main() -> None:
    setup_django()
    from django.db import connection

    figures = measure()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    context = {
        "python": platform.python_version(),
        "postgresql": server,
        "cores": os.cpu_count(),
        "therapists": THERAPISTS,
        "rooms": ROOMS,
        "days": DAYS,
        "runs": RUNS,
    }
    rows = [
        ("appointments seeded", f"{figures['appointments_seeded']}"),
        (
            "find_slots, 1 therapist x 30 days",
            f"{figures['find_slots_one_ms']:.1f} ms, {figures['find_slots_one_queries']} queries, "
            f"{figures['find_slots_one_slots']} slots",
        ),
        ("floor, 1 therapist (4 queries, rows only)", f"{figures['floor_one_ms']:.1f} ms"),
        ("ratio, 1 therapist", f"{figures['ratio_one']:.2f}x"),
        (
            "find_slots, 20 therapists x 30 days",
            f"{figures['find_slots_all_ms']:.1f} ms, {figures['find_slots_all_queries']} queries, "
            f"{figures['find_slots_all_slots']} slots",
        ),
        ("floor, 20 therapists (4 queries, rows only)", f"{figures['floor_all_ms']:.1f} ms"),
        ("ratio, 20 therapists", f"{figures['ratio_all']:.2f}x"),
        ("rooms scenario: appointments seeded", f"{figures['appointments_seeded_rooms']}"),
        (
            "find_slots, hot stone, 20 therapists x 10 rooms x 30 days",
            f"{figures['find_slots_rooms_ms']:.1f} ms, {figures['find_slots_rooms_queries']} queries, "
            f"{figures['find_slots_rooms_slots']} slots",
        ),
        ("floor, rooms scenario (4 queries, rows only)", f"{figures['floor_rooms_ms']:.1f} ms"),
        ("ratio, rooms scenario", f"{figures['ratio_rooms']:.2f}x"),
        (
            f"{figures['bookings']} bookings via services.book",
            f"median {figures['booking_median_ms']:.1f} ms each, total {figures['bookings_total_s']:.2f} s",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    print(
        f"Availability benchmark (median of {RUNS} runs; Python {context['python']}, "
        f"PostgreSQL {context['postgresql']}, {context['cores']} cores)"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    rounded = {key: round(value, 3) if isinstance(value, float) else value for key, value in figures.items()}
    print(json.dumps({"bench": "availability", **context, **rounded}, sort_keys=True))


if __name__ == "__main__":
    main()
