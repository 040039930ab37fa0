"""Django's PostgreSQL backend, with timestamps read by psycopg's compiled (C) loader, and a pool
that checks a connection only after it sat idle.

Django registers its own `timestamptz` loader on every connection, a subclass of psycopg's
pure-Python one (Django ticket #36960; psycopg's compiled loader is final and cannot be
subclassed, psycopg issue #1273), so each timestamp in a result is parsed by a regular
expression in Python: about 5 µs a value, most of the availability engine's cost, which
reads thousands of session bounds per answer. Django's loader only sets the tzinfo to the
connection's zone; with the connection in UTC (Django's own choice when USE_TZ is on and the
database has no TIME_ZONE) the compiled loader returns the same aware UTC datetimes, about 8x
faster. Any other set-up, or a psycopg without its compiled part, keeps Django's loader.

With the psycopg pool (DATABASE_POOL), Django's CONN_HEALTH_CHECKS make the pool send an
empty query before handing out a connection, a round trip on every request; on a busy
machine each round trip waits for the server's turn on a core. As PgBouncer does
(server_check_delay), the pool here checks only a connection that has not been handed out
for DATABASE_POOL_CHECK_AFTER seconds: a connection in steady use was working a moment
ago. One that broke in between (the server restarted) fails its request, which answers 503
(clinic.outage), and the pool drops it.
"""

from __future__ import annotations

import time
import weakref
from datetime import UTC
from functools import lru_cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base
from psycopg import Connection, adapt, adapters
from psycopg.abc import AdaptContext
from psycopg.types.datetime import TimestamptzLoader
from psycopg_pool import ConnectionPool

# psycopg's compiled TimestamptzLoader, or the pure-Python one when psycopg runs without its C part.
_COMPILED: type[adapt.Loader] = adapters._get_optimised(TimestamptzLoader)  # private: see psycopg#1273


class UtcTimestamptzLoader(TimestamptzLoader):
    """Load a timestamptz with the compiled loader, for a connection whose time zone is UTC.

    `timezone` is what Django's create_cursor compares to the connection's zone before
    registering its own loader on a cursor.
    """

    timezone = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        self.load = _COMPILED(oid, context).load  # type: ignore[method-assign]


def compiled_loader_available() -> bool:
    """Return whether psycopg has its compiled loaders (psycopg[binary] or [c])."""
    return _COMPILED is not TimestamptzLoader


@lru_cache
def _with_compiled_loader(template: adapt.AdaptersMap) -> adapt.AdaptersMap:
    """Return Django's adapters for the connection with the compiled timestamptz loader (one map per template)."""
    context = adapt.AdaptersMap(template)
    context.register_loader("timestamptz", UtcTimestamptzLoader)
    return context


class CheckAfterIdle:
    """A pool's `check`: test a connection only when it was last handed out `after` seconds ago or more."""

    def __init__(self, after: float) -> None:
        self.after = after
        self._handed_out: weakref.WeakKeyDictionary[Connection[Any], float] = weakref.WeakKeyDictionary()

    def __call__(self, conn: Connection[Any]) -> None:
        now = time.monotonic()
        last = self._handed_out.get(conn)
        self._handed_out[conn] = now
        if last is None or now - last >= self.after:
            ConnectionPool.check_connection(conn)  # raises for a broken connection: the pool drops it


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if compiled_loader_available() and self.timezone_name == "UTC" and self.timezone == UTC:
            params["context"] = _with_compiled_loader(params["context"])
        return params

    @property
    def pool(self) -> ConnectionPool[Any] | None:
        """Django's pool (django.db.backends.postgresql.base), its check made by CheckAfterIdle."""
        options = self.settings_dict["OPTIONS"].get("pool")
        if self.alias == NO_DB_ALIAS or not options:
            return None
        # Django's own: one pool per alias, per process, shared by the alias's connections in threads.
        pools: dict[str, ConnectionPool[Any]] = self._connection_pools  # type: ignore[attr-defined]
        if self.alias not in pools:
            if self.settings_dict.get("CONN_MAX_AGE", 0) != 0:
                raise ImproperlyConfigured("Pooling doesn't support persistent connections.")
            options = {} if options is True else dict(options)
            check_after = options.pop("check_after", 0.0)
            connect_kwargs = self.get_connection_params()
            connect_kwargs["autocommit"] = True  # as Django's: it sets the mode itself later
            check = CheckAfterIdle(check_after) if self.settings_dict["CONN_HEALTH_CHECKS"] else None
            configure = self._configure_connection  # type: ignore[attr-defined]
            pool = ConnectionPool(kwargs=connect_kwargs, open=False, configure=configure, check=check, **options)
            pools.setdefault(self.alias, pool)
        return pools[self.alias]
