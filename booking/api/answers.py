"""Availability answers kept by their tag, so the same question is worked out once per change.

The tag (booking.stamps) names everything an answer depends on, so a kept answer is never
stale whichever process or machine wrote the change, and an answer needs no invalidating:
a change makes a new tag. Answers are kept in each process's memory, and also in the
configured cache when that is Redis (CACHE_URL=redis://...), which every web process of
every machine shares: an answer one worker worked out is then served by all the others
for one Redis read, where each would have worked it out again for its own memory. The
database cache is not used: keeping an answer there costs more statements (its cull and
its upsert) than working it out again. Answers hold free times only, nothing about anyone.

A tag is unique within one database's history (its stamps only go up), not across two
databases: a copy of one (a staging copy, a restore from a backup) reaches the same tags
with other sessions. The shared keys therefore name the database too, by its server and
the object id PostgreSQL gives each database it creates (a streaming replica, a copy of
the same database, shares it).
"""

from __future__ import annotations

from functools import cache

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections

# The size bounds each process's memory (about 70 KB an answer of 3 days of 20 therapists);
# the time, how long answers nobody asks for take room, here and in Redis.
TIMEOUT = 300
_LOCAL = LocMemCache("availability-answers", {"TIMEOUT": TIMEOUT, "OPTIONS": {"MAX_ENTRIES": 128}})
_PREFIX = "availability-answer:"


def _shared() -> BaseCache | None:
    """The configured cache when every process shares it cheaply (Redis), else None."""
    configured = caches["default"]
    return configured if isinstance(configured, RedisCache) else None


@cache
def _database() -> str:
    """Which database the answers are of (read once per process)."""
    connection = connections["default"]
    where = f"{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('PORT')}"
    if connection.vendor != "postgresql":
        return f"{where}:{connection.settings_dict['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid, datname FROM pg_database WHERE datname = current_database()")
        oid, name = cursor.fetchone()
    return f"{where}:{name}:{oid}"


def _key(tag: str) -> str:
    return f"{_PREFIX}{_database()}:{tag}"


def kept(tag: str) -> bytes | None:
    """The answer kept under the tag, from this process's memory or the shared cache, or None."""
    body: bytes | None = _LOCAL.get(tag)
    if body is not None:
        return body
    shared = _shared()
    if shared is None:
        return None
    body = shared.get(_key(tag))
    if body is not None:
        _LOCAL.set(tag, body)
    return body


def keep(tag: str, body: bytes) -> None:
    """Keep the answer under its tag, here and in the shared cache."""
    _LOCAL.set(tag, body)
    shared = _shared()
    if shared is not None:
        shared.set(_key(tag), body, TIMEOUT)


def forget_here() -> None:
    """Empty this process's memory of answers (a test standing in for another process)."""
    _LOCAL.clear()
