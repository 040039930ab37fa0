"""The notification outbox: rows written in the same transaction as the booking change, and their claims.

Every e-mail the clinic owes is a `Notification` row first. The booking services write the
rows inside their transaction (so a rolled-back booking owes nothing), the immediate ones
are handed to Celery after commit, and the beat's scan sends whatever is due or was lost.
A send claims its row with a conditional update, so only one run can ever send it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from uuid import uuid4

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from booking.models import Appointment, Notification, NotificationKind, NotificationStatus, Status
from therapists.models import Therapist

SEND_TASK = "notifications.tasks.send_notifications"

logger = logging.getLogger(__name__)

Kind = NotificationKind
Row = NotificationStatus

# Notices that tell a therapist a session is theirs (at its current time).
THERAPIST_BOOKING_KINDS = (Kind.THERAPIST_NEW, Kind.THERAPIST_RESCHEDULE)
# Notices made obsolete by a newer version of the appointment.
SUPERSEDED_BY_RESCHEDULE = (Kind.REMINDER, Kind.RESCHEDULE, Kind.THERAPIST_RESCHEDULE)
CLAIM_BATCH = 500
# Rows one send task takes: one claim, one read and one SMTP connection for all of them.
SEND_BATCH = 50


def record_booked(appointment: Appointment, *, now: datetime) -> None:
    """Record the confirmation, the therapist's notice and the reminders of a new booking."""
    _write_first(booked_notices(appointment, now=now), now=now)


def booked_notices(appointment: Appointment, *, now: datetime) -> list[Notification]:
    """Return the unsaved rows a new booking owes (its confirmation, the therapist's notice, the reminders).

    For `booking.together`, which writes them with the session; `send_after_commit` then.
    """
    rows = [
        _patient_row(appointment, Kind.CONFIRMATION, due_at=now),
        _therapist_row(appointment, Kind.THERAPIST_NEW, appointment.therapist, due_at=now),
        *_reminder_rows(appointment, now=now),
    ]
    return [row for row in rows if can_receive_mail(row.recipient)]


def record_cancelled(appointment: Appointment, *, now: datetime, notify_patient: bool = True) -> None:
    """Void the pending reminders and record the cancellation notices (the patient's unless staff said not to)."""
    # Everything not yet sent is void: a late confirmation of a cancelled session would mislead.
    # Except cancellations already owed (e.g. to the therapist a move took the session from).
    _void(
        Notification.objects.filter(appointment=appointment).exclude(
            kind__in=(Kind.CANCELLATION, Kind.THERAPIST_CANCELLATION)
        ),
        reason="The appointment was cancelled.",
    )
    # The calendar's CANCEL must carry a SEQUENCE above the last REQUEST's.
    sequence = appointment.sequence + 1
    rows = [_patient_row(appointment, Kind.CANCELLATION, due_at=now, sequence=sequence)] if notify_patient else []
    # Only a therapist who was told the session is theirs is told it is gone; one a move
    # took it from already has a cancellation of their own (kept above).
    told = _therapist_last_told(appointment)
    if told is not None and told.pk == appointment.therapist_id:
        rows.append(_therapist_row(appointment, Kind.THERAPIST_CANCELLATION, told, due_at=now, sequence=sequence))
    _write(rows, now=now)


def record_rescheduled(appointment: Appointment, *, previous_start: datetime, now: datetime) -> None:
    """Void the old reminders, record the new ones and the reschedule notices."""
    _void(
        Notification.objects.filter(appointment=appointment, kind__in=SUPERSEDED_BY_RESCHEDULE),
        reason="The appointment was rescheduled.",
    )
    rows = [_patient_row(appointment, Kind.RESCHEDULE, due_at=now, previous_start=previous_start)]
    told = _therapist_last_told(appointment)
    if told is not None and told.pk != appointment.therapist_id:
        # The session moved to another therapist: the old one loses it, the new one gains it.
        rows.append(
            _therapist_row(appointment, Kind.THERAPIST_CANCELLATION, told, due_at=now, previous_start=previous_start)
        )
        rows.append(_therapist_row(appointment, Kind.THERAPIST_NEW, appointment.therapist, due_at=now))
    elif told is None:
        # Nobody has been told of the session yet: one new-booking notice, for the new time.
        _void(
            Notification.objects.filter(appointment=appointment, kind=Kind.THERAPIST_NEW),
            reason="The appointment was rescheduled before the therapist was told.",
        )
        rows.append(_therapist_row(appointment, Kind.THERAPIST_NEW, appointment.therapist, due_at=now))
    else:
        rows.append(
            _therapist_row(
                appointment, Kind.THERAPIST_RESCHEDULE, appointment.therapist, due_at=now, previous_start=previous_start
            )
        )
    _write(rows, now=now)
    _write(_reminder_rows(appointment, now=now), now=now)


def record_confirmation_resend(appointment: Appointment, *, now: datetime) -> None:
    """Record one more confirmation for the appointment (staff asked to resend it)."""
    _write([_patient_row(appointment, Kind.CONFIRMATION_RESEND, due_at=now)], now=now)


def record_patient_notice(
    appointment: Appointment, kind: str, *, subject_id: int, now: datetime, due_at: datetime | None = None
) -> int | None:
    """Record the one notice of a registered kind about a row (a receipt of a charge, an offer); return it."""
    row = _patient_row(appointment, kind, due_at=due_at or now)
    row.subject_id = subject_id
    written = _write([row], now=now)
    return written[0] if written else None


def plan_agendas(*, day: date, now: datetime) -> list[int]:
    """Record the day's agenda for each therapist with a session that day; return the new rows."""
    zone = timezone.get_default_timezone()
    day_start = datetime.combine(day, time.min, tzinfo=zone)
    day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    due_at = datetime.combine(day, time(settings.NOTIFICATION_AGENDA_HOUR), tzinfo=zone)
    therapist_ids = (
        Appointment.objects.filter(status=Status.CONFIRMED, start__gte=day_start, start__lt=day_end)
        .values_list("therapist_id", flat=True)
        .distinct()
    )
    therapists = Therapist.objects.filter(pk__in=therapist_ids).select_related("user").order_by("pk")
    rows = [
        Notification(
            kind=Kind.AGENDA, therapist=therapist, agenda_date=day, recipient=therapist.user.email, due_at=due_at
        )
        for therapist in therapists
    ]
    with transaction.atomic():
        return _write(rows, now=now)


def resend(notification_ids: Iterable[int], *, now: datetime) -> list[int]:
    """Queue a fresh copy of each sent or failed notice; return the ids of the new rows."""
    originals = Notification.objects.filter(pk__in=list(notification_ids), status__in=[Row.SENT, Row.FAILED])
    rows = [
        Notification(
            kind=original.kind,
            appointment_id=original.appointment_id,
            therapist_id=original.therapist_id,
            agenda_date=original.agenda_date,
            sequence=original.sequence,
            previous_start=original.previous_start,
            recipient=original.recipient,
            due_at=now,
        )
        for original in originals.order_by("pk")
    ]
    with transaction.atomic():
        return _write(rows, now=now)


def enqueue(notification_ids: Iterable[int], *, handoff: str = "") -> None:
    """Hand rows to the Celery worker in batches; if the broker is down, leave them to the beat's scan."""
    # By name: the sending task lives in the notifications app, above this one.
    send_notifications = current_app.tasks[SEND_TASK]
    ids = list(notification_ids)
    for start in range(0, len(ids), SEND_BATCH):
        batch = ids[start : start + SEND_BATCH]
        try:
            send_notifications.delay(batch, handoff)
        except (OperationalError, OSError):
            # The rows are committed and due: the next dispatch tick sends them.
            rest = len(ids) - start - 1
            logger.warning("Broker unreachable; notification %s (and %d more) waits for the beat scan.", batch[0], rest)
            return


def claim_due(*, now: datetime, limit: int) -> tuple[list[int], str]:
    """Claim due rows (and rows a dead worker left in sending) until `limit` rows are in flight.

    Return their ids and the handoff token: the send task that presents it takes the claim over.
    """
    handoff = uuid4().hex
    stuck_before = now - settings.NOTIFICATION_CLAIM_TIMEOUT
    # Back-pressure: a claim must be taken over before it looks stuck, so never queue more
    # than the workers can start within the claim timeout; the rest stay pending for later ticks.
    in_flight = Notification.objects.filter(status=Row.SENDING, claimed_at__gte=stuck_before).count()
    budget = limit - in_flight
    claimed: list[int] = []
    while len(claimed) < budget:
        with transaction.atomic():
            candidates = (
                (Notification.objects.due(now) | Notification.objects.stuck(stuck_before))
                .order_by("due_at", "pk")
                .values_list("pk", "attempts")
            )
            if connection.features.has_select_for_update_skip_locked:
                # Two dispatchers (a duplicate beat, a second beat by mistake) split the rows.
                candidates = candidates.select_for_update(skip_locked=True)
            # On SQLite the IMMEDIATE transaction already serialises the claim.
            batch = list(candidates[: min(CLAIM_BATCH, budget - len(claimed))])
            exhausted = [pk for pk, attempts in batch if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS]
            ready = [pk for pk, attempts in batch if attempts < settings.NOTIFICATION_MAX_ATTEMPTS]
            if exhausted:
                Notification.objects.filter(pk__in=exhausted).update(
                    status=Row.FAILED,
                    claim_token="",
                    last_error="Gave up: every attempt stopped before finishing (worker killed or timed out).",
                )
            Notification.objects.filter(pk__in=ready).update(status=Row.SENDING, claim_token=handoff, claimed_at=now)
        claimed.extend(ready)
        if len(batch) < CLAIM_BATCH:
            break
    return claimed, handoff


def claim(notification_id: int, *, handoff: str, now: datetime) -> str | None:
    """Claim one row for this run; return the run's token, or None if the row is not this run's to send."""
    token = uuid4().hex
    updated = Notification.objects.filter(
        _ready(handoff, now=now), pk=notification_id, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS
    ).update(
        status=Row.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
    )
    return token if updated else None


def claim_batch(notification_ids: list[int], *, handoff: str, now: datetime) -> str:
    """Claim for this run, in one statement, every row of the batch that is its to send; return the run's token.

    The rows it holds are those carrying the token afterwards (read them with `claimed`).
    """
    token = uuid4().hex
    Notification.objects.filter(
        _ready(handoff, now=now), pk__in=notification_ids, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS
    ).update(
        status=Row.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
    )
    return token


def claimed(notification_ids: list[int], *, token: str) -> QuerySet[Notification]:
    """Return the rows of the batch this run holds, with what rendering reads, in id order."""
    return (
        Notification.objects.filter(pk__in=notification_ids, status=Row.SENDING, claim_token=token)
        .select_related(
            "appointment__patient",
            "appointment__therapist__user",
            "appointment__massage_type",
            "appointment__room__location",
            "therapist__user",
        )
        .order_by("pk")
    )


def release_untried(
    notification_ids: list[int], *, token: str, now: datetime, pause: float | None, error: str | None = None
) -> list[int]:
    """Put rows this run claimed but never tried back to pending (after the pause), no attempt counted; return them."""
    rows = Notification.objects.filter(pk__in=notification_ids, status=Row.SENDING, claim_token=token)
    released = list(rows.values_list("pk", flat=True))
    fields: dict[str, object] = {"last_error": error} if error is not None else {}
    rows.update(
        status=Row.PENDING,
        claim_token="",
        attempts=F("attempts") - 1,
        next_attempt_at=now + timedelta(seconds=pause) if pause is not None else None,
        **fields,
    )
    return released


def mark_sent(notification_id: int, *, token: str, now: datetime) -> bool:
    """Record the row as sent, if this run still holds its claim."""
    return _settle(notification_id, token, status=Row.SENT, sent_at=now, last_error="")


def _ready(handoff: str, *, now: datetime) -> Q:
    """Return which rows a run may claim: pending, left by a dead worker, or handed to it by a dispatcher."""
    ready = Q(status=Row.PENDING) | Q(status=Row.SENDING, claimed_at__lt=now - settings.NOTIFICATION_CLAIM_TIMEOUT)
    if handoff:
        # A dispatcher's claim, taken over once: the new token makes a second delivery miss.
        ready |= Q(status=Row.SENDING, claim_token=handoff)
    return ready


def mark_void(notification_id: int, *, token: str, reason: str) -> bool:
    """Record that the row will never be sent (its appointment changed), if this run holds it."""
    return _settle(notification_id, token, status=Row.VOID, last_error=reason)


def mark_failed(notification_id: int, *, token: str, error: str) -> bool:
    """Record that the row could not be sent and will not be retried, if this run holds it."""
    return _settle(notification_id, token, status=Row.FAILED, last_error=error)


def release_for_retry(notification_id: int, *, token: str, error: str, now: datetime) -> float | None:
    """Put a failed attempt back to pending after a pause; return the pause, or None if it failed for good."""
    attempts = Notification.objects.filter(pk=notification_id).values_list("attempts", flat=True).first() or 0
    if attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        mark_failed(notification_id, token=token, error=f"Gave up after {attempts} attempts. Last error: {error}")
        return None
    pause = retry_pause(attempts)
    released = Notification.objects.filter(pk=notification_id, status=Row.SENDING, claim_token=token).update(
        status=Row.PENDING, claim_token="", last_error=error, next_attempt_at=now + timedelta(seconds=pause)
    )
    return pause if released else None


def retry_pause(attempts: int) -> float:
    """Return the seconds to wait after the given number of failed attempts (exponential, capped)."""
    return min(settings.NOTIFICATION_RETRY_BACKOFF * 2 ** max(attempts - 1, 0), settings.NOTIFICATION_RETRY_BACKOFF_MAX)


def _settle(notification_id: int, token: str, **fields: object) -> bool:
    updated = Notification.objects.filter(pk=notification_id, status=Row.SENDING, claim_token=token).update(
        claim_token="", **fields
    )
    if not updated:
        logger.warning("Notification %s was taken over by another run before it settled.", notification_id)
    return bool(updated)


def can_receive_mail(address: str) -> bool:
    """Return whether mail to the address can arrive: `.invalid` is reserved never to resolve (RFC 6761).

    A caller booked by phone without an e-mail address gets one there, so no notice is owed
    to them and none fails to send.
    """
    return not address.lower().rstrip(".").endswith(".invalid")


def _patient_row(
    appointment: Appointment,
    kind: str,
    *,
    due_at: datetime,
    sequence: int | None = None,
    previous_start: datetime | None = None,
) -> Notification:
    return Notification(
        kind=kind,
        appointment=appointment,
        therapist_id=appointment.therapist_id,
        sequence=appointment.sequence if sequence is None else sequence,
        previous_start=previous_start,
        recipient=appointment.patient.email,
        due_at=due_at,
    )


def _therapist_row(
    appointment: Appointment,
    kind: str,
    therapist: Therapist,
    *,
    due_at: datetime,
    sequence: int | None = None,
    previous_start: datetime | None = None,
) -> Notification:
    return Notification(
        kind=kind,
        appointment=appointment,
        therapist=therapist,
        sequence=appointment.sequence if sequence is None else sequence,
        previous_start=previous_start,
        recipient=therapist.user.email,
        due_at=due_at,
    )


def _reminder_rows(appointment: Appointment, *, now: datetime) -> list[Notification]:
    """Return a reminder per offset whose time is still ahead (booked 3 h ahead: the 2 h one only)."""
    dues = sorted({appointment.start - offset for offset in settings.REMINDER_OFFSETS})
    return [_patient_row(appointment, Kind.REMINDER, due_at=due) for due in dues if due > now]


def _therapist_last_told(appointment: Appointment) -> Therapist | None:
    """Return the therapist who was last told this session is theirs, if any."""
    row = (
        # Only a notice that went out (or is going out) told anyone anything.
        Notification.objects.filter(
            appointment=appointment, kind__in=THERAPIST_BOOKING_KINDS, status__in=(Row.SENT, Row.SENDING)
        )
        .select_related("therapist__user")
        .order_by("-created_at", "-pk")
        .first()
    )
    return row.therapist if row is not None else None


def _void(rows: QuerySet[Notification], *, reason: str) -> None:
    rows.filter(status=Row.PENDING).update(status=Row.VOID, last_error=reason, claim_token="")


def _write(rows: list[Notification], *, now: datetime) -> list[int]:
    """Insert the rows (a duplicate of an existing one is skipped) and send the due ones after commit."""
    written: list[int] = []
    for row in rows:
        if not can_receive_mail(row.recipient):
            continue
        try:
            # A savepoint: a duplicate must not poison the caller's transaction.
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError:
            if not _exists_like(row):
                raise
            continue
        written.append(row.pk)
    due = [row.pk for row in rows if row.pk in written and row.due_at <= now]
    if due:
        transaction.on_commit(lambda: enqueue(due))
    return written


def _write_first(rows: list[Notification], *, now: datetime) -> None:
    """Insert the first rows of an appointment that was just booked in one statement; send the due ones after commit.

    Nothing can be there yet to duplicate (a booked appointment's first notices: a new row,
    or a hold, which owes none), so no savepoint per row is needed: one insert, one round trip.
    """
    rows = [row for row in rows if can_receive_mail(row.recipient)]
    Notification.objects.bulk_create(rows)
    send_after_commit(rows, now=now)


def send_after_commit(rows: Iterable[Notification], *, now: datetime) -> None:
    """Hand the written rows that are due to the workers once the transaction commits."""
    due = [row.pk for row in rows if row.due_at <= now]
    if due:
        transaction.on_commit(lambda: enqueue(due))


def _exists_like(row: Notification) -> bool:
    """Return whether the row's idempotency key is already taken (the only IntegrityError we forgive)."""
    key: dict[str, object]
    if row.kind == Kind.AGENDA:
        key = {"therapist_id": row.therapist_id, "agenda_date": row.agenda_date, "kind": Kind.AGENDA}
    elif row.subject_id is not None:
        return Notification.objects.filter(kind=row.kind, subject_id=row.subject_id).exists()
    else:
        key = {"appointment_id": row.appointment_id, "kind": row.kind, "sequence": row.sequence}
    return Notification.objects.filter(due_at=row.due_at, **key).exists()
