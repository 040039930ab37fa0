"""Batches of outbox rows sent over one SMTP connection: one claim and one read a batch, one mark an e-mail.

Exactly once: every row is marked sent by its own statement the moment the mail server has
accepted its message, before the next message is handed over. A worker killed mid-batch
leaves at most the one message in flight unmarked (as a single send would); the rows not yet
tried are still claimed and go to the next run after the claim timeout. Marks gathered for
the end of the batch would leave every accepted message of the batch unmarked instead.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from booking import outbox
from notifications.rendering import send_claimed


class SharedConnection(BaseEmailBackend):
    """The batch's one connection to the mail server: opened for the first message, again after a failure."""

    def __init__(self) -> None:
        super().__init__(fail_silently=False)
        self.backend: BaseEmailBackend | None = None
        self.failed_to_open = False

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if self.backend is None:
            backend = get_connection()
            try:
                backend.open()
            except BaseException:
                self.failed_to_open = True
                raise
            self.backend = backend
        try:
            return self.backend.send_messages(email_messages) or 0
        except BaseException:
            # A refused or broken conversation: the next message starts on a fresh connection.
            self.close()
            raise

    def close(self) -> None:
        if self.backend is not None:
            backend, self.backend = self.backend, None
            with contextlib.suppress(Exception):
                backend.close()


@dataclass
class BatchOutcome:
    """What one batch run did: a count per outcome, the rows to try again after a pause, the rows to hand on now."""

    counts: Counter[str] = field(default_factory=Counter)
    retry: list[int] = field(default_factory=list)
    retry_in: float = 0.0
    error: BaseException | None = None
    requeue: list[int] = field(default_factory=list)


def deliver_batch(notification_ids: Sequence[int], *, handoff: str = "", now: datetime | None = None) -> BatchOutcome:
    """Claim the rows, send each one's e-mail over one connection and record each outcome as it happens."""
    ids = list(dict.fromkeys(notification_ids))
    outcome = BatchOutcome()
    token = outbox.claim_batch(ids, handoff=handoff, now=now or timezone.now())
    rows = list(outbox.claimed(ids, token=token))
    outcome.counts["skipped"] = len(ids) - len(rows)
    # Well inside the task's time limit: a slow mail server hands the rest on instead of
    # having the whole batch killed and left claimed until the claim timeout.
    deadline = time.monotonic() + settings.CELERY_TASK_TIME_LIMIT / 2
    connection = SharedConnection()
    try:
        for index, notification in enumerate(rows):
            rest = [row.pk for row in rows[index:]]
            if time.monotonic() > deadline:
                outcome.requeue = outbox.release_untried(rest, token=token, now=timezone.now(), pause=None)
                break
            moment = now or timezone.now()
            result = send_claimed(notification, token=token, now=moment, connection=connection)
            outcome.counts[result.status] += 1
            if result.status == "retry":
                outcome.retry.append(notification.pk)
                outcome.retry_in = max(outcome.retry_in, result.retry_in or 0.0)
                outcome.error = result.error
            if connection.failed_to_open:
                # The server cannot be reached: the others wait as long, no attempt counted for them.
                pause = result.retry_in if result.retry_in is not None else settings.NOTIFICATION_RETRY_BACKOFF
                error = f"Not tried: the mail server could not be reached ({type(result.error).__name__})."
                outcome.retry += outbox.release_untried(rest[1:], token=token, now=moment, pause=pause, error=error)
                outcome.retry_in = max(outcome.retry_in, pause)
                break
    finally:
        connection.close()
    return outcome
