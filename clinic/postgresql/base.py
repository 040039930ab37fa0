"""Django's PostgreSQL backend, with timestamps read by psycopg's compiled (C) loader, a pool
that checks a connection only after it sat idle, and a booking's statements prepared once.

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

Most of the time PostgreSQL spent on a booking's reads under its locks was planning them,
again on every booking, and Python's largest part was psycopg quoting the hundred values of
its write into the SQL. `prepared_cursor` runs a statement prepared (psycopg's server-binding
cursor, `prepare=True`: psycopg keeps it per connection, and the values travel apart from
the SQL) and the connection asks PostgreSQL for one generic plan for prepared statements
(`plan_cache_mode` in its startup options), so each of a booking's four statements is
parsed and planned at its first run on a connection only. Nothing else is prepared: Django's
client-side cursor, which runs everything else, never prepares.
DATABASE_PREPARED_STATEMENTS=0 turns both off, for a pooler that keeps no prepared statements
or refuses the startup option (docs/DEPLOYMENT.md).
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
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresqlOperations
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg import Connection, adapt, adapters
from psycopg.abc import AdaptContext
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader
from psycopg_pool import ConnectionPool

# psycopg's compiled TimestamptzLoader, or the pure-Python one when psycopg runs without its C part.
_COMPILED: type[adapt.Loader] = adapters._get_optimised(TimestamptzLoader)  # private: see psycopg#1273


ONLY_WHEN_ASKED = 2**62
GENERIC_PLANS = "-c plan_cache_mode=force_generic_plan"


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


class PreparingCursor(base.ServerBindingCursor):  # type: ignore[name-defined,misc]  # psycopg 3's
    """Django's server-binding cursor, preparing every statement it runs (psycopg keeps them per connection)."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: bool | None = None
    ) -> Any:
        return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)


class DatabaseOperations(PostgresqlOperations):
    def last_executed_query(self, cursor: Any, sql: str, params: Any) -> str:
        """The statement with its values, as logged and captured; a prepared one's too (the server bound those)."""
        if isinstance(cursor, PreparingCursor):
            return str(self.compose_sql(sql, params))
        return super().last_executed_query(cursor, sql, params)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def prepared_cursor(self) -> Any:
        """A cursor for a statement the connection runs again and again: prepared once, then planned once.

        Planning was most of the time PostgreSQL spent on a booking's reads; a prepared
        statement with a generic plan (`plan_cache_mode`, below) is planned at its first run on
        the connection only. Only statements run through this cursor are prepared. What the
        cursor reads is what `cursor()` would read; its statements are logged and wrapped alike.
        """
        if not self.settings_dict["OPTIONS"].get("prepared_statements", True):
            return self.cursor()
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = PreparingCursor(self.connection)
            tzloader = self.connection.adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
            if self.timezone != tzloader.timezone:  # as Django's create_cursor
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)  # type: ignore[attr-defined]  # Django's, as cursor() does

    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.pop("prepared_statements", True):
            # Django turns psycopg's preparing of repeated statements off (for poolers) with no
            # threshold; one no statement reaches keeps it off and lets prepared_cursor's prepare.
            if params.get("prepare_threshold") is None:
                params["prepare_threshold"] = ONLY_WHEN_ASKED
            # Prepared statements, and only they (and PL/pgSQL's), keep one generic plan: the
            # statements prepared_cursor runs are written for it (their columns named, no `*`).
            params["options"] = " ".join(filter(None, [params.get("options"), GENERIC_PLANS]))
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
