"""Celery tasks of the waitlist: thin, idempotent, safe to run twice at once (the rows' claims are the guard)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone
from kombu.exceptions import OperationalError

from clinic.periodic import one_at_a_time
from waitlist import services

logger = logging.getLogger(__name__)
# Freed spans one run considers before it lets the next run (or the beat) go on.
CONSIDER_BATCH = 100


@shared_task(acks_late=True, ignore_result=True)
def consider_freed_time() -> int:
    """Offer the freed time not yet considered to the waiting entries in order; return the offers made."""
    made = 0
    for _ in range(CONSIDER_BATCH):
        offers = services.consider_next(now=timezone.now())
        if offers is None:
            break
        made += len(offers)
    return made


@shared_task(acks_late=True, ignore_result=True)
def sweep_waitlist() -> int:
    """End the offers that ran out and the entries past their dates, then offer the freed time (beat, every minute)."""
    with one_at_a_time("sweep-waitlist") as mine:
        if not mine:
            return 0
        now = timezone.now()
        ended = services.expire_due(now=now)
        services.end_past_entries(now=now)
        return len(ended) + consider_freed_time()


def hand_off_consider() -> None:
    """Ask a worker to consider the freed time now; if the broker is down, the beat's sweep does it."""
    try:
        consider_freed_time.delay()
    except (OperationalError, OSError):
        logger.warning("Broker unreachable; freed time waits for the waitlist sweep.")
