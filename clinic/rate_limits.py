"""Counters of attempts per client and per e-mail address, in the shared cache.

Who the client is: the connection's address, or the address `TRUSTED_PROXIES` proxies in
front of the site say it is (DRF's NUM_PROXIES is the same setting), never a header the
client writes itself. The counts live in the default cache, which every process shares
(the database's by default, Redis where CACHE_URL says so), so a limit holds however many
gunicorn workers or machines serve the site.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle


def client_ident(request: HttpRequest | Request) -> str:
    """Return who the client is for every per-client limit (see TRUSTED_PROXIES)."""
    # DRF's get_ident reads REMOTE_ADDR, or X-Forwarded-For only as NUM_PROXIES allows.
    return str(BaseThrottle().get_ident(cast(Request, request)))


def email_digest(canonical_email: str) -> str:
    """Return a cache-safe name for an address (hashed: addresses never sit in the cache in the clear)."""
    return hashlib.sha256(canonical_email.encode()).hexdigest()


@dataclass(frozen=True)
class Limit:
    """At most `count` attempts within `window` for one key."""

    name: str
    count: int
    window: timedelta

    def _key(self, subject: str) -> str:
        return f"limit:{self.name}:{subject}"

    def used(self, subject: str) -> int:
        """Return how many attempts the subject made in the current window."""
        return int(cache.get(self._key(subject), 0))

    def reached(self, subject: str) -> bool:
        """Return whether the subject has used up the window's attempts."""
        return self.used(subject) >= self.count

    def seconds_left(self, subject: str) -> int:
        """Return the seconds until the subject's window ends (at least 1)."""
        until = cache.get(f"{self._key(subject)}:until")
        left = (until - time.time()) if until else self.window.total_seconds()
        return max(1, math.ceil(left))

    def record(self, subject: str) -> int:
        """Count one attempt and return the count in the window."""
        key = self._key(subject)
        timeout = int(self.window.total_seconds())
        # add() starts the window on the first attempt and notes its end; incr() keeps counting.
        cache.add(f"{key}:until", time.time() + timeout, timeout=timeout)
        cache.add(key, 0, timeout=timeout)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)
            return 1
        # The database cache's incr() is a get and a set with the default timeout: put the
        # window's own end back, so a count never outlives (or falls short of) its window.
        until = cache.get(f"{key}:until")
        if until:
            cache.touch(key, max(1, math.ceil(until - time.time())))
        return int(count)

    def clear(self, subject: str) -> None:
        """Forget the subject's attempts."""
        key = self._key(subject)
        cache.delete_many([key, f"{key}:until"])
