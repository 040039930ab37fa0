"""Celery tasks of the notification outbox: thin, ids in, idempotent, never a long ETA."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from booking import outbox
from clinic.periodic import one_at_a_time
from notifications import delivery, rendering


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def send_notifications(self: object, notification_ids: list[int], handoff: str = "") -> dict[str, int]:
    """Send a batch of outbox rows over one SMTP connection, each at most once; retry the failed ones after a pause."""
    outcome = delivery.deliver_batch(notification_ids, handoff=handoff)
    if outcome.requeue:
        outbox.enqueue(outcome.requeue)
    if outcome.retry:
        # The rows are back to pending with next_attempt_at: if this retry message is lost,
        # the beat's scan picks them up at that time instead.
        raise self.retry(  # type: ignore[attr-defined]
            args=(outcome.retry, ""), countdown=outcome.retry_in, exc=outcome.error
        )
    return dict(outcome.counts)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None, ignore_result=True)
def send_notification(self: object, notification_id: int, handoff: str = "") -> str:
    """Send one outbox row at most once; on a mail server or network error, retry after a growing pause."""
    # The one-row task of earlier releases: messages already queued under its name still go out.
    outcome = rendering.deliver(notification_id, handoff=handoff)
    if outcome.status == "retry":
        raise self.retry(countdown=outcome.retry_in, exc=outcome.error)  # type: ignore[attr-defined]
    return outcome.status


@shared_task(acks_late=True, ignore_result=True)
def dispatch_due_notifications(limit: int | None = None) -> int:
    """Claim the due outbox rows (and those a dead worker left) and hand them in batches to send_notifications."""
    with one_at_a_time("dispatch-due-notifications") as mine:
        if not mine:
            return 0
        ids, handoff = outbox.claim_due(now=timezone.now(), limit=limit or settings.NOTIFICATION_DISPATCH_LIMIT)
    # Handed over after the lock: publishing is the slow part, and the rows are already ours.
    outbox.enqueue(ids, handoff=handoff)
    return len(ids)


@shared_task(acks_late=True, ignore_result=True)
def plan_daily_agendas(day: str | None = None) -> int:
    """Record and send today's agenda (or the given ISO day's) to each therapist with sessions."""
    with one_at_a_time("plan-daily-agendas") as mine:
        if not mine:
            return 0
        now = timezone.now()
        planned_day = date.fromisoformat(day) if day else timezone.localdate(now)
        return len(outbox.plan_agendas(day=planned_day, now=now))
