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

Each booking's statements are counted by kind (locks, reads, inserts, savepoints, and those
of the payments and waitlist receivers), and a quarter of the bookings are cancelled through
services.cancel, counted the same way. The API's CPU per availability request (3 days of
the 20 therapists, through Django's whole stack, gzip accepted) is set against a floor view
that sends the same bytes through the same stack, kept answer, worked-out answer and a
revalidation with its ETag (--no-http leaves it out). --scale adds find_slots for 1, 20,
100 and 300 therapists over 7, 30 and 60 days (300 seeded, 40% booked). --bookings N sets
the number of bookings; --statements prints one booking's statements. The last line is
`FIGURES {json}` for bench/compare.py. BENCH_DATABASE names the database (a suffix per tree).
"""

from __future__ import annotations

import argparse
import hashlib
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

# Each tree (bench/compare.py runs this script in an earlier commit's worktree too) gets its
# own database: their migrations differ.
BENCH_DATABASE = (
    f"{os.environ.get('BENCH_DATABASE', 'clinic_bench')}_{hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]}"
)
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
    # Every run seeds and rolls back thousands of rows: without a vacuum the dead rows of the
    # runs before slow this one's scans, so a tree benched more often would look slower.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM")


def analyze_seeded() -> None:
    """Give the planner statistics of the rows just seeded, inside the seeding transaction.

    A clinic's database has statistics of its rows (autovacuum keeps them); a bench that
    seeds in a transaction it rolls back has whatever an earlier vacuum or analyze left:
    often an empty table, which the planner takes at its word (a row or none) and plans
    nested loops over thousands of rows. That made figures swing run to run, one tree
    against the other, with the code unchanged. ANALYZE counts the transaction's own rows.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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


def seed(
    rng: random.Random, first_day: date, therapist_count: int = THERAPISTS, day_count: int = DAYS
) -> tuple[Any, list[Any], list[Any]]:
    from booking.models import Appointment, MassageType
    from clinic.models import User
    from locations.models import Room, default_location
    from therapists.models import Therapist, WorkingHours

    zone_days = [first_day + timedelta(days=n) for n in range(day_count)]
    massage = MassageType.objects.create(
        name="Bench massage", slug="bench-massage", duration_minutes=60, buffer_minutes=0, price=Decimal("90")
    )
    users = User.objects.bulk_create(
        User(email=f"bench-therapist-{n}@bench.test", first_name="Bench", last_name=f"T{n}")
        for n in range(therapist_count)
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
    rooms = Room.objects.bulk_create(
        Room(location=location, name=f"Bench room {n:02d}") for n in range(therapist_count)
    )
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
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    return massage, therapists, patients[200:]


def floor_rows(massage: Any, therapist_ids: list[int] | None, first_day: date, last_day: date) -> None:
    """Run the engine's four queries and materialise their rows, computing nothing.

    The engine's own statements where the tree has them (booking.slot_reads), the querysets
    the engine ran before that (a tree under bench/compare.py --bench-from current) otherwise.
    """
    from booking.availability import clinic_day_bounds

    range_start, range_end = clinic_day_bounds(first_day, last_day)
    try:
        from booking import slot_reads
    except ImportError:
        _floor_rows_orm(massage, therapist_ids, range_start, range_end)
        return
    rows = slot_reads.hours(massage.pk, therapist_ids, None)
    ids = list({row[0] for row in rows})
    slot_reads.time_off(ids, range_start, range_end)
    locations = sorted({row[1] for row in rows})
    if hasattr(slot_reads, "room_starts"):  # the rooms' free starts as PostgreSQL works them out
        slot_reads.room_starts(
            massage.pk,
            locations,
            range_start,
            range_end,
            buffer=massage.buffer,
            length=massage.duration,
            ignoring=None,
        )
        slot_reads.sessions(ids, [], range_start, range_end + massage.buffer, None)
        return
    rooms = slot_reads.rooms_with_closures(massage.pk, locations, range_start, range_end + massage.buffer)
    slot_reads.sessions(ids, list({room[0] for room in rooms}), range_start, range_end + massage.buffer, None)


def _floor_rows_orm(massage: Any, therapist_ids: list[int] | None, range_start: Any, range_end: Any) -> None:
    from django.db.models import FilteredRelation, Q

    from booking.availability import suitable_rooms  # type: ignore[attr-defined]  # a tree before booking.slot_reads
    from booking.models import Appointment
    from therapists.models import Therapist, TimeOff, WorkingHours

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


def statement_kind(sql: str) -> str:
    """Name what a statement is for, by its text: a savepoint, a lock, a receiver's table, or a plain read or write."""
    head = sql.lstrip().upper()
    if head.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
        return "savepoint"
    if "waitlist_" in sql:
        return "waitlist"
    if "payments_" in sql:
        return "payments"
    if "FOR UPDATE" in head or "FOR NO KEY UPDATE" in head:
        return "lock"
    return head.split(" ", 1)[0].lower()


def backend_cpu_seconds() -> float | None:
    """Return the CPU seconds this connection's PostgreSQL backend has used, or None when it runs elsewhere.

    Read from /proc (user and system time, in clock ticks): the server must be on this machine.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command's name: state is field 3, utime field 14 and stime field 15 (proc(5)).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Statements(list[str]):
    """The statements run while it wraps the connection's execute (no debug cursor, as in production)."""

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.append(sql)
        return execute(sql, params, many, context)


def measure_bookings(
    massage: Any,
    therapists: list[Any],
    patients: list[Any],
    rng: random.Random,
    first_day: date,
    last_day: date,
    count: int,
) -> dict[str, Any]:
    """Book random free slots through services.book, then cancel some; time each and count its statements by kind."""
    from collections import Counter

    from django.db import connection

    from booking import services
    from booking.availability import find_slots
    from booking.exceptions import SlotTaken

    free = find_slots(massage, first_day, last_day)
    picks = rng.sample(free, k=min(count * 3, len(free)))
    therapist_by_id = {t.pk: t for t in therapists}
    timings: list[float] = []
    statements: list[int] = []
    kinds: Counter[str] = Counter()
    booked: list[Any] = []
    refused = 0
    server_cpu_started = backend_cpu_seconds()
    total_cpu_started = time.process_time()
    total_started = time.perf_counter()
    for n, slot in enumerate(picks):
        if len(timings) == count:
            break
        started = time.perf_counter()
        queries = Statements()
        try:
            with connection.execute_wrapper(queries):
                appointment = services.book(
                    patient=patients[n % len(patients)],
                    therapist=therapist_by_id[slot.therapist_id],
                    massage_type=massage,
                    start=slot.start,
                )
        except SlotTaken:
            refused += 1  # an earlier pick of this run took an overlapping start
            continue
        timings.append(time.perf_counter() - started)
        booked.append(appointment)
        # Inside the bench's outer transaction book's atomic is a savepoint (2 statements)
        # that in production is the transaction itself: left out of the count.
        statements.append(len(queries) - 2)
        kinds.update(statement_kind(sql) for sql in queries[1:-1])
        if len(timings) == 1:
            first_statements = [sql[:160] for sql in queries]
    python_cpu = time.process_time() - total_cpu_started
    server_cpu = backend_cpu_seconds()
    figures: dict[str, Any] = {
        # CPU, unlike the time, does not count waiting for a busy machine: a steadier split.
        # The refused attempts are in the totals too (each a few statements).
        "booking_python_cpu_ms": 1000 * python_cpu / (len(timings) + refused),
        "booking_postgresql_cpu_ms": (
            1000 * (server_cpu - server_cpu_started) / (len(timings) + refused)
            if server_cpu is not None and server_cpu_started is not None
            else None
        ),
        "bookings": len(timings),
        "bookings_refused_overlap": refused,
        "booking_median_ms": 1000 * statistics.median(timings),
        "bookings_total_s": time.perf_counter() - total_started,
        "booking_statements": int(statistics.median(statements)),
        # One more round trip each for BEGIN and COMMIT, which the capture does not see.
        "booking_round_trips": int(statistics.median(statements)) + 2,
    }
    for kind, total in sorted(kinds.items()):
        figures[f"booking_statements_{kind}"] = round(total / len(timings), 2)
    figures["booking_statement_list"] = first_statements

    cancel_timings: list[float] = []
    cancel_statements: list[int] = []
    cancel_kinds: Counter[str] = Counter()
    for appointment in booked[: max(1, len(booked) // 4)]:
        started = time.perf_counter()
        queries = Statements()
        with connection.execute_wrapper(queries):
            services.cancel(appointment=appointment, by=appointment.patient)
        cancel_timings.append(time.perf_counter() - started)
        cancel_statements.append(len(queries) - 2)
        cancel_kinds.update(statement_kind(sql) for sql in queries[1:-1])
    figures["cancels"] = len(cancel_timings)
    figures["cancel_median_ms"] = 1000 * statistics.median(cancel_timings)
    figures["cancel_statements"] = int(statistics.median(cancel_statements))
    for kind, total in sorted(cancel_kinds.items()):
        figures[f"cancel_statements_{kind}"] = round(total / len(cancel_timings), 2)
    return figures


HTTP_RUNS = 40


def measure_http(massage: Any, first_day: date) -> dict[str, Any]:
    """CPU per request of the availability API against a floor view sending the same bytes through the same stack.

    In process, through Django's test client (every middleware, no network): the floor is a
    plain view that returns the availability answer's bytes, computed once. Both are asked
    alternately, gzip accepted, as a browser would; then the answer is asked again with the
    ETag it carried (a revalidation: 304 if the server can say so).
    """
    import types

    from django.conf import settings
    from django.http import HttpRequest, HttpResponse
    from django.test import Client, override_settings
    from django.urls import include, path

    body: dict[str, bytes] = {}

    def floor(request: HttpRequest) -> HttpResponse:
        return HttpResponse(body["bytes"], content_type="application/json")

    urls = types.ModuleType("bench_floor_urls")
    urls.urlpatterns = [path("bench/floor/", floor), path("", include(settings.ROOT_URLCONF))]  # type: ignore[attr-defined]
    sys.modules["bench_floor_urls"] = urls
    # Three days of the 20 therapists, as a patient's browser asks (bench/locustfile.py).
    day = first_day + timedelta(days=(7 - first_day.weekday()) % 7)  # a Monday: three working days
    url = f"/api/v1/availability/?massage_type={massage.pk}&date_from={day}&date_to={day + timedelta(days=2)}"
    figures: dict[str, Any] = {}
    with override_settings(ROOT_URLCONF="bench_floor_urls", ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False):
        plain = Client().get(url)
        body["bytes"] = plain.content
        figures["http_slots"] = len(json.loads(plain.content)["slots"])
        figures["http_body_bytes"] = len(plain.content)
        client = Client(HTTP_ACCEPT_ENCODING="gzip")
        first = client.get(url)
        figures["http_sent_bytes"] = len(first.content)
        etag = first.get("ETag", "")
        cpu: dict[str, list[float]] = {"availability": [], "computed": [], "floor": [], "revalidate": []}
        statuses: dict[str, set[int]] = {name: set() for name in cpu}
        # "computed": the same request with a parameter the API ignores, new each time, so no
        # kept answer (a server may keep answers by query and ETag) can serve it: worked out.
        asked = iter(range(10**9))

        def computed() -> Any:
            return client.get(f"{url}&bench_run={next(asked)}")

        asks = {
            "availability": lambda: client.get(url),
            "computed": computed,
            "floor": lambda: client.get("/bench/floor/"),
            "revalidate": lambda: client.get(url, HTTP_IF_NONE_MATCH=etag),
        }
        for ask in asks.values():
            ask()
        for _ in range(HTTP_RUNS):
            for name, ask in asks.items():
                started = time.process_time()
                response = ask()
                cpu[name].append(time.process_time() - started)
                statuses[name].add(response.status_code)
    for name, values in cpu.items():
        figures[f"http_{name}_cpu_ms"] = 1000 * statistics.median(values)
        figures[f"http_{name}_status"] = ",".join(str(code) for code in sorted(statuses[name]))
    figures["http_ratio_to_floor"] = figures["http_availability_cpu_ms"] / figures["http_floor_cpu_ms"]
    figures["http_computed_ratio_to_floor"] = figures["http_computed_cpu_ms"] / figures["http_floor_cpu_ms"]
    figures["http_revalidate_ratio_to_floor"] = figures["http_revalidate_cpu_ms"] / figures["http_floor_cpu_ms"]
    return figures


def measure(*, bookings: int = BOOKINGS, http: bool = True) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking.availability import find_slots
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
            analyze_seeded()
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

            # DEBUG off while booking: Django's debug cursor (which `make bench`'s DEBUG=1 puts under
            # every statement) times and keeps each one, which production does not do.
            with override_settings(DEBUG=False):
                figures.update(measure_bookings(massage, therapists, patients, rng, first_day, last_day, bookings))
            if http:
                figures.update(measure_http(massage, first_day))
            raise Rollback
    except Rollback:
        pass
    return figures


SCALE_THERAPISTS = (1, 20, 100, 300)
SCALE_DAYS = (7, 30, 60)


def measure_scale() -> dict[str, Any]:
    """Time find_slots for 1 to 300 therapists over 7 to 60 days (300 seeded, 40% booked): queries, ms, slots."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from booking.availability import find_slots

    first_day = timezone.localdate() + timedelta(days=1)
    figures: dict[str, Any] = {}
    try:
        with transaction.atomic():
            massage, therapists, _ = seed(random.Random(SEED), first_day, max(SCALE_THERAPISTS), max(SCALE_DAYS))
            analyze_seeded()
            for count in SCALE_THERAPISTS:
                subset = [t.pk for t in therapists[:count]]
                for days in SCALE_DAYS:
                    last_day = first_day + timedelta(days=days - 1)
                    with CaptureQueriesContext(connection) as queries:
                        slots = find_slots(massage, first_day, last_day, subset)
                    timings = []
                    for _ in range(5):
                        started = time.perf_counter()
                        find_slots(massage, first_day, last_day, subset)
                        timings.append(time.perf_counter() - started)
                    ms = 1000 * statistics.median(timings)
                    key = f"scale_{count}t_{days}d"
                    figures[f"{key}_ms"] = ms
                    figures[f"{key}_queries"] = len(queries)
                    figures[f"{key}_slots"] = len(slots)
                    figures[f"{key}_us_per_slot"] = 1000 * ms / max(1, len(slots))
            raise Rollback
    except Rollback:
        pass
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=BOOKINGS, help="bookings through services.book")
    parser.add_argument("--no-http", action="store_true", help="leave out the API's CPU against its floor")
    parser.add_argument("--scale", action="store_true", help="also 1-300 therapists x 7-60 days")
    parser.add_argument("--statements", action="store_true", help="print one booking's statements")
    options = parser.parse_args()
    setup_django()
    from django.db import connection

    load = os.getloadavg()
    figures = measure(bookings=options.bookings, http=not options.no_http)
    if options.scale:
        figures.update(measure_scale())
    statement_list = figures.pop("booking_statement_list", [])
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
        "load_average_start": round(load[0], 2),
        "load_average_end": round(os.getloadavg()[0], 2),
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
        (
            "CPU a booking: Python (this process) / PostgreSQL (its backend)",
            f"{figures['booking_python_cpu_ms']:.1f} ms / "
            + (
                f"{figures['booking_postgresql_cpu_ms']:.1f} ms"
                if figures["booking_postgresql_cpu_ms"] is not None
                else "n/a (the server runs elsewhere)"
            ),
        ),
        (
            "statements a booking (round trips with BEGIN, COMMIT)",
            f"{figures['booking_statements']} ({figures['booking_round_trips']}): "
            + ", ".join(
                f"{key.removeprefix('booking_statements_')} {value:g}"
                for key, value in figures.items()
                if key.startswith("booking_statements_")
            ),
        ),
        (
            f"{figures['cancels']} cancellations via services.cancel",
            f"median {figures['cancel_median_ms']:.1f} ms, {figures['cancel_statements']} statements: "
            + ", ".join(
                f"{key.removeprefix('cancel_statements_')} {value:g}"
                for key, value in figures.items()
                if key.startswith("cancel_statements_")
            ),
        ),
    ]
    if "http_slots" in figures:
        rows += [
            (
                "API availability, 20 therapists x 3 days (CPU a request)",
                f"{figures['http_availability_cpu_ms']:.2f} ms, {figures['http_slots']} slots, "
                f"{figures['http_body_bytes']:,} bytes ({figures['http_sent_bytes']:,} sent)",
            ),
            ("floor: the same bytes from a plain view", f"{figures['http_floor_cpu_ms']:.2f} ms"),
            ("ratio to the floor", f"{figures['http_ratio_to_floor']:.2f}x"),
            (
                "the answer worked out every time (no cache)",
                f"{figures['http_computed_cpu_ms']:.2f} ms ({figures['http_computed_ratio_to_floor']:.2f}x the floor)",
            ),
            (
                "revalidation with its ETag",
                f"{figures['http_revalidate_cpu_ms']:.2f} ms, status {figures['http_revalidate_status']} "
                f"({figures['http_revalidate_ratio_to_floor']:.2f}x the floor)",
            ),
        ]
    for count in SCALE_THERAPISTS if options.scale else ():
        for days in SCALE_DAYS:
            key = f"scale_{count}t_{days}d"
            rows.append(
                (
                    f"scale: {count} therapists x {days} days",
                    f"{figures[key + '_ms']:.1f} ms, {figures[key + '_queries']} queries, "
                    f"{figures[key + '_slots']} slots, {figures[key + '_us_per_slot']:.1f} us a slot",
                )
            )
    width = max(len(label) for label, _ in rows)
    print(
        f"Availability benchmark (median of {RUNS} runs; Python {context['python']}, "
        f"PostgreSQL {context['postgresql']}, {context['cores']} cores, load average {load[0]:.2f})"
    )
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    if options.statements:
        print("One booking's statements:")
        for sql in statement_list:
            print(f"  {sql}")
    rounded = {key: round(value, 3) if isinstance(value, float) else value for key, value in figures.items()}
    print(json.dumps({"bench": "availability", **context, **rounded}, sort_keys=True))
    print("FIGURES " + json.dumps({**context, **rounded}, sort_keys=True))


if __name__ == "__main__":
    main()
