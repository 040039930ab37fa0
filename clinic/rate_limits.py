"""Counters of attempts per client, per account and per e-mail address, shared by every process.

Who the client is: the connection's address, or the address `TRUSTED_PROXIES` proxies in
front of the site say it is (DRF's NUM_PROXIES is the same setting), never a header the
client writes itself; an IPv6 client is its /64 network, the block one subscriber holds.

Each attempt is counted first, with one atomic statement (an upsert that returns the new
count), and only then allowed or refused: forty attempts in parallel are counted forty
times, and only those within the limit go on. The counts live in the database (table
`clinic_attemptcounter`), so a limit holds however many gunicorn workers or machines serve
the site, on PostgreSQL as on the SQLite of `make run`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.db import connection
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from clinic.models import AttemptCounter

IPV6_PREFIX = 64

UPSERT = """
INSERT INTO clinic_attemptcounter (name, subject, count, window_end) VALUES (%s, %s, 1, %s)
ON CONFLICT (name, subject) DO UPDATE SET
    count = CASE WHEN clinic_attemptcounter.window_end <= %s THEN 1 ELSE clinic_attemptcounter.count + 1 END,
    window_end = CASE WHEN clinic_attemptcounter.window_end <= %s
        THEN excluded.window_end ELSE clinic_attemptcounter.window_end END
RETURNING count, window_end
"""


def client_ident(request: HttpRequest | Request) -> str:
    """Return who the client is for every per-client limit (see TRUSTED_PROXIES)."""
    # DRF's get_ident reads REMOTE_ADDR, or X-Forwarded-For only as NUM_PROXIES allows.
    ident = str(BaseThrottle().get_ident(cast(Request, request)))
    try:
        address = ipaddress.ip_address(ident)
    except ValueError:
        return ident
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False))
    return ident


def email_digest(canonical_email: str) -> str:
    """Return a name for an address that does not show it (hashed: addresses never sit in a counter in the clear)."""
    return hashlib.sha256(canonical_email.encode()).hexdigest()


@dataclass(frozen=True)
class Attempt:
    """One counted attempt: its number in the window and when the window ends."""

    count: int
    window_end: datetime

    def seconds_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.window_end - now).total_seconds()))


@dataclass(frozen=True)
class Limit:
    """At most `count` attempts within `window` for one subject."""

    name: str
    count: int
    window: timedelta

    def record(self, subject: str) -> Attempt:
        """Count one attempt, atomically, and return its number in the current window."""
        now = timezone.now()
        # Adapted as the ORM stores them (SQLite keeps UTC text), so the comparisons hold.
        end, at = (connection.ops.adapt_datetimefield_value(moment) for moment in (now + self.window, now))
        with connection.cursor() as cursor:
            cursor.execute(UPSERT, [self.name, subject, end, at, at])
            count, window_end = cursor.fetchone()
        if isinstance(window_end, str):  # SQLite returns the stored text
            window_end = datetime.fromisoformat(window_end)
        if timezone.is_naive(window_end):
            window_end = timezone.make_aware(window_end, timezone.get_fixed_timezone(0))
        return Attempt(count=int(count), window_end=window_end)

    def allows(self, attempt: Attempt) -> bool:
        """Return whether the counted attempt is within the limit."""
        return attempt.count <= self.count

    def used(self, subject: str) -> int:
        """Return how many attempts the subject made in the current window."""
        row = AttemptCounter.objects.filter(name=self.name, subject=subject, window_end__gt=timezone.now()).first()
        return row.count if row else 0

    def reached(self, subject: str) -> bool:
        """Return whether the subject has used up the window's attempts."""
        return self.used(subject) >= self.count

    def seconds_left(self, subject: str) -> int:
        """Return the seconds until the subject's window ends (at least 1)."""
        now = timezone.now()
        row = AttemptCounter.objects.filter(name=self.name, subject=subject, window_end__gt=now).first()
        return Attempt(row.count, row.window_end).seconds_left(now) if row else int(self.window.total_seconds())

    def forget_one(self, subject: str) -> None:
        """Take back one counted attempt (it turned out to be no failure)."""
        AttemptCounter.objects.filter(name=self.name, subject=subject, count__gt=0).update(count=F("count") - 1)

    def clear(self, subject: str) -> None:
        """Forget the subject's attempts."""
        AttemptCounter.objects.filter(name=self.name, subject=subject).delete()
