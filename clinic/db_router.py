"""Reads that may go to a PostgreSQL read replica (DATABASE_REPLICA_URL), and everything else to the primary.

Only a block that says so reads the replica: `with replica_reads():` around the public
answers that are only ever a suggestion (free slots, worked days, the therapists' list).
Writes, anything inside a transaction (every booking service and its checks) and any read
outside such a block go to the primary. A replica behind by a few seconds can therefore
only show a slot as free that the booking then refuses, with the nearest free times read
from the primary: it can never make a double booking, which the primary's constraints and
locks refuse whatever was shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# The apps a replica-safe answer reads: the catalogue, therapists' hours, sessions, locations.
# Not the cache, sessions, tokens or throttles, which must read what was just written.
REPLICA_APPS = frozenset({"booking", "therapists", "locations"})

_replica_ok: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def replica_reads() -> Iterator[None]:
    """Let the block's reads of the availability data go to the replica, when one is configured."""
    token = _replica_ok.set(True)
    try:
        yield
    finally:
        _replica_ok.reset(token)


def replica_configured() -> bool:
    """Return whether DATABASE_REPLICA_URL gave the service a replica."""
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Send the reads of a `replica_reads()` block to the replica; every other query to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if not _replica_ok.get() or not replica_configured() or model._meta.app_label not in REPLICA_APPS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Inside a transaction a read may decide a write: it sees the primary's rows.
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica holds the primary's rows: an object read there is the same row.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
