"""Availability from a real PostgreSQL streaming replica; every check of a booking on the primary.

The test starts a PostgreSQL 15 primary of its own (initdb in a temporary folder, on a free
port, as the `postgres` OS user) and a streaming replica of it (pg_basebackup -R), migrates
the primary, and runs tests/multi_machine/replica_scenario.py as a process of the service
configured with DATABASE_URL and DATABASE_REPLICA_URL. Both clusters are stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import transaction

from booking.models import Appointment
from clinic.db_router import ReplicaRouter, replica_reads
from tests.multi_machine.processes import ROOT, base_env, free_port

BIN = Path(os.environ.get("POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=60)  # noqa: S603,S607


class Cluster:
    """A PostgreSQL cluster in a folder of its own, on 127.0.0.1 only."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/clinic"

    def configure(self, socket_dir: Path) -> None:
        with (self.folder / "postgresql.auto.conf").open("a") as conf:
            # fsync off: a throwaway cluster; the test is about routing and replay, not durability.
            conf.write(f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nfsync = off\n")
            conf.write(f"unix_socket_directories = '{socket_dir}'\n")

    def start(self) -> None:
        as_postgres(str(BIN / "pg_ctl"), "-D", str(self.folder), "-l", f"{self.folder}.log", "-w", "start")

    def stop(self) -> None:
        subprocess.run(  # noqa: S603
            ["runuser", "-u", "postgres", "--", str(BIN / "pg_ctl"), "-D", str(self.folder), "-m", "fast", "stop"],  # noqa: S607
            capture_output=True,
            timeout=60,
            check=False,
        )


@pytest.fixture(scope="module")
def primary_and_replica() -> Iterator[tuple[Cluster, Cluster, float]]:
    """Start a primary and its streaming replica; yield them and the seconds the replica took to answer."""
    folder = Path(tempfile.mkdtemp(prefix="clinic_replica_"))
    shutil.chown(folder, "postgres")
    primary = Cluster(folder / "primary", free_port())
    replica = Cluster(folder / "replica", free_port())
    started = time.monotonic()
    try:
        as_postgres(str(BIN / "initdb"), "-D", str(primary.folder), "-A", "trust", "-U", "postgres", "--no-sync")
        primary.configure(folder)
        with (primary.folder / "pg_hba.conf").open("a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        primary.start()
        as_postgres(
            str(BIN / "pg_basebackup"),
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D", str(replica.folder), "-R"),
        )
        replica.configure(folder)  # its own port: the copied settings name the primary's
        replica.start()
        startup = time.monotonic() - started
        as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "clinic")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=base_env(DATABASE_URL=primary.url, DEBUG="1"),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        yield primary, replica, startup
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(folder, ignore_errors=True)


def scenario(primary: Any, replica: Any) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.multi_machine.replica_scenario"],
        cwd=ROOT,
        env=base_env(DATABASE_URL=primary.url, DATABASE_REPLICA_URL=replica.url, DEBUG="1"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def seen(primary_and_replica: tuple[Cluster, Cluster, float]) -> dict[str, Any]:
    primary, replica, _ = primary_and_replica
    return scenario(primary, replica)


def test_the_replica_is_a_real_streaming_replica_that_starts_in_seconds(
    primary_and_replica: tuple[Cluster, Cluster, float], seen: dict[str, Any]
) -> None:
    _, _, startup = primary_and_replica
    assert seen["replica_in_recovery"] is True
    assert seen["replica_caught_up"] is True
    assert startup < 20


def test_availability_and_the_therapists_list_are_read_from_the_replica(seen: dict[str, Any]) -> None:
    assert seen["slots_before"] > 0
    # find_slots and open_days read the replica; the primary sees only the query's own
    # lookups (the massage type the serializer checks) and nothing of the schedule.
    assert seen["availability_replica_queries"] >= 3
    assert seen["availability_primary_queries"] <= 2
    assert seen["therapists_status"] == 200
    assert seen["therapists_replica_queries"] >= 1


def test_a_slot_a_stale_replica_still_offers_is_refused_by_the_primary_and_never_double_booked(
    seen: dict[str, Any],
) -> None:
    # The replica stopped replaying, so its answer still offers the slot just booked...
    assert seen["stale_answer_still_offers_the_booked_slot"] is True
    # ...and booking it reads the primary: refused as taken, never a second session in it.
    assert seen["booking_status"] == 409, seen["booking_error"]
    assert seen["booking_error"]["code"] == "slot_taken"
    assert seen["active_sessions_at_the_slot"] == 1
    # Once the replica has replayed again, it no longer offers the slot.
    assert seen["replica_caught_up_again"] is True
    assert seen["fresh_answer_offers_the_booked_slot"] is False


@pytest.mark.django_db(transaction=True)
def test_only_a_replica_reads_block_outside_a_transaction_reads_the_replica(settings: Any) -> None:
    router = ReplicaRouter()
    with replica_reads():
        assert router.db_for_read(Appointment) == "default"  # no replica configured: the primary
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}

    assert router.db_for_read(Appointment) == "default"
    with replica_reads():
        assert router.db_for_read(Appointment) == "replica"
        # Sessions, tokens, the cache and throttles must read what was just written.
        assert router.db_for_read(Session) == "default"
        with transaction.atomic():
            # A booking service's checks: inside its transaction, the primary.
            assert router.db_for_read(Appointment) == "default"
        assert router.db_for_write(Appointment) == "default"
    assert router.allow_migrate("replica", "booking") is False
