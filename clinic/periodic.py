"""One run at a time of each periodic job, however many beats tick: a PostgreSQL advisory lock per job.

Beat may run on several machines, so every tick of a job can arrive twice (or more) at once.
A second run that finds the job's lock held returns at once: the lock saves the work. It is
never what keeps a job correct: each job claims its rows with conditional updates (or
SKIP LOCKED), so two runs that both got in (a lock lost with its connection, SQLite) still
change every row once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """Return the job's advisory lock key: a stable signed 64-bit number derived from its name."""
    digest = hashlib.blake2b(f"clinic.periodic:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def one_at_a_time(name: str) -> Iterator[bool]:
    """Hold the job's lock for the block and yield True, or yield False at once if another run holds it."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        # SQLite runs `make run`'s one beat, and its IMMEDIATE transactions serialise the claims.
        yield True
        return
    key = lock_key(name)
    # A session lock, not a transaction's: the jobs commit as they go (each claim on its own),
    # and a worker that dies takes the lock with its connection.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (taken,) = cursor.fetchone()
    if not taken:
        logger.info("Periodic job %s is already running elsewhere; this tick does nothing.", name)
        yield False
        return
    try:
        yield True
    finally:
        _unlock(name, key)


def _unlock(name: str, key: int) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is None:
        return  # the connection closed during the job, and its lock ended with it
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    except DatabaseError:
        # Never hand a connection that may still hold the lock back to a pool: close it.
        logger.warning("Could not release the lock of periodic job %s; closing its connection.", name)
        connection.close()
