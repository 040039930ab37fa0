"""The outbox and its notices: what booking, cancelling and rescheduling owe, and what the e-mails say."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from booking import services
from booking.exceptions import SlotTaken
from booking.intake import IntakeData
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.celery import app as celery_app
from clinic.models import User
from notifications.tasks import dispatch_due_notifications, plan_daily_agendas
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
Kind = NotificationKind


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the clinic in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=CLINIC_ZONE)


def book(patient: User, therapist: Therapist, massage_type: MassageType, start: datetime, **kwargs: Any) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start, **kwargs)


def sent(kind: str | None = None) -> list[Any]:
    """The e-mails sent so far, optionally only those of one kind of notice."""
    kinds = dict(Notification.objects.values_list("pk", "kind"))
    return [
        message
        for message in mail.outbox
        if kind is None or kinds[int(message.extra_headers["X-Clinic-Notification"])] == kind
    ]


def reminders_due(appointment: Appointment) -> list[datetime]:
    rows = Notification.objects.filter(appointment=appointment, kind=Kind.REMINDER, status=NotificationStatus.PENDING)
    return sorted(rows.values_list("due_at", flat=True))


def test_booking_records_the_confirmation_the_therapists_notice_and_two_reminders(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))

    rows = {(row.kind, row.recipient, row.due_at) for row in Notification.objects.filter(appointment=appointment)}
    now = at(2, 8)
    assert rows == {
        (Kind.CONFIRMATION, "alice@example.test", now),
        (Kind.THERAPIST_NEW, "carol@example.test", now),
        (Kind.REMINDER, "alice@example.test", at(3, 10)),
        (Kind.REMINDER, "alice@example.test", at(4, 8)),
    }


def test_booking_three_hours_ahead_records_only_the_two_hour_reminder(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(2, 11))

    assert reminders_due(appointment) == [at(2, 9)]


def test_a_refused_booking_owes_nothing(
    clock: Any, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))
    with pytest.raises(SlotTaken):
        book(other_patient, therapist, massage_type, at(4, 10))

    assert Notification.objects.count() == 4
    assert not Notification.objects.filter(recipient="bob@example.test").exists()


def test_dispatch_sends_the_confirmation_and_the_therapists_notice_once(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))

    dispatch_due_notifications()
    dispatch_due_notifications()

    assert [message.to for message in sent(Kind.CONFIRMATION)] == [["alice@example.test"]]
    assert [message.to for message in sent(Kind.THERAPIST_NEW)] == [["carol@example.test"]]
    assert sent(Kind.REMINDER) == []


def test_reminders_go_out_when_due_and_only_once(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()

    clock.move_to(at(3, 9, 59))
    dispatch_due_notifications()
    assert sent(Kind.REMINDER) == []

    clock.move_to(at(3, 10, 1))
    dispatch_due_notifications()
    dispatch_due_notifications()
    assert len(sent(Kind.REMINDER)) == 1
    assert "starts in 24 hours" in sent(Kind.REMINDER)[0].body

    clock.move_to(at(4, 8, 1))
    dispatch_due_notifications()
    assert len(sent(Kind.REMINDER)) == 2
    assert "starts in 2 hours" in sent(Kind.REMINDER)[1].body


def test_a_cancelled_appointment_never_gets_a_reminder(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()

    services.cancel(appointment=appointment, by=patient, reason="Feeling better")
    clock.move_to(at(4, 9, 30))
    dispatch_due_notifications()

    assert sent(Kind.REMINDER) == []
    assert reminders_due(appointment) == []
    assert set(
        Notification.objects.filter(appointment=appointment, kind=Kind.REMINDER).values_list("status", flat=True)
    ) == {NotificationStatus.VOID}
    assert [message.to for message in sent(Kind.CANCELLATION)] == [["alice@example.test"]]
    assert [message.to for message in sent(Kind.THERAPIST_CANCELLATION)] == [["carol@example.test"]]


def test_a_cancellation_before_the_confirmation_went_out_voids_the_confirmation(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    services.cancel(appointment=appointment, by=patient)

    dispatch_due_notifications()

    assert sent(Kind.CONFIRMATION) == []
    assert len(sent(Kind.CANCELLATION)) == 1


def test_a_rescheduled_appointment_gets_reminders_only_for_its_new_time(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()
    services.reschedule(appointment=appointment, by=patient, start=at(5, 14))

    assert reminders_due(appointment) == [at(4, 14), at(5, 12)]
    clock.move_to(at(4, 9))  # past both of the old reminder times
    dispatch_due_notifications()
    assert sent(Kind.REMINDER) == []

    clock.move_to(at(4, 14, 1))
    dispatch_due_notifications()
    clock.move_to(at(5, 12, 1))
    dispatch_due_notifications()

    reminders = sent(Kind.REMINDER)
    assert len(reminders) == 2
    for reminder in reminders:
        assert "Thursday, March 5, 2026 at 2:00 PM (America/New_York, EST)" in reminder.body
        assert "Wednesday, March 4, 2026 at 10:00 AM" not in reminder.body
    (notice,) = sent(Kind.RESCHEDULE)
    assert "Was:        Wednesday, March 4, 2026 at 10:00 AM (America/New_York, EST)" in notice.body
    assert "Thursday, March 5, 2026 at 2:00 PM" in notice.body
    assert [message.to for message in sent(Kind.THERAPIST_RESCHEDULE)] == [["carol@example.test"]]


def test_a_reminder_after_the_spring_change_says_edt(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(9, 9))

    clock.move_to(at(9, 7, 1))
    dispatch_due_notifications()

    (reminder,) = sent(Kind.REMINDER)
    assert "Monday, March 9, 2026 at 9:00 AM (America/New_York, EDT)" in reminder.body
    assert "Monday, March 9, 2026 at 9:00 AM (America/New_York, EDT)" in reminder.alternatives[0][0]
    assert "EST" not in reminder.body


def test_a_reminder_before_the_spring_change_says_est(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(6, 9))

    clock.move_to(at(6, 7, 1))
    dispatch_due_notifications()

    (reminder,) = sent(Kind.REMINDER)
    assert "Friday, March 6, 2026 at 9:00 AM (America/New_York, EST)" in reminder.body
    assert "EDT" not in reminder.body


def test_the_confirmation_shows_everything_the_patient_needs(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()

    (confirmation,) = sent(Kind.CONFIRMATION)
    assert confirmation.subject == "Booking confirmed: Deep tissue on Wed, Mar 4, 10:00 AM EST"
    html = confirmation.alternatives[0][0]
    for part in (confirmation.body, html):
        assert "Wednesday, March 4, 2026 at 10:00 AM (America/New_York, EST)" in part
        assert "Carol Chen" in part
        assert "Deep tissue" in part
        assert settings.CLINIC_ADDRESS in part
        assert "24 hours before it starts" in part
        assert "Tuesday, March 3, 2026 at 10:00 AM" in part  # the deadline to cancel online
        assert f"{settings.SITE_URL}/appointments/" in part
        assert "where it hurts" in part
        assert "pressure" in part
        assert "numbness or weakness in the legs" in part
        assert "bladder" in part
    assert "Back &amp; Balance" in html
    assert "Back & Balance" in confirmation.body  # plain text is not HTML-escaped


def test_therapist_notices_keep_health_details_out_of_email(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    intake = IntakeData(focus_areas="lower back", pain_level=7, health_notes="Disc herniation at L4-L5")
    book(patient, therapist, massage_type, at(4, 10), intake=intake)
    clock.move_to(at(4, 7))
    plan_daily_agendas()
    dispatch_due_notifications()

    therapist_mail = [message for message in mail.outbox if message.to == ["carol@example.test"]]
    assert {message.subject.split(":")[0] for message in therapist_mail} == {
        "New booking",
        "Your sessions on Wednesday, March 4, 2026",
    }
    for message in sent():
        for part in (message.subject, message.body, message.alternatives[0][0]):
            assert "herniation" not in part
            assert "lower back" not in part
            assert "Archer" not in part or message.to == ["alice@example.test"]
    (notice,) = sent(Kind.THERAPIST_NEW)
    assert "Alice A." in notice.body
    assert "intake is available in the portal" in notice.body


def test_a_session_moved_to_another_therapist_is_announced_to_both(
    clock: Any,
    patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()

    services.reschedule(appointment=appointment, by=admin_user, start=at(4, 15), therapist=other_therapist)
    dispatch_due_notifications()

    (lost,) = sent(Kind.THERAPIST_CANCELLATION)
    assert lost.to == ["carol@example.test"]
    assert "moved to another therapist" in lost.body
    assert "Wednesday, March 4, 2026 at 10:00 AM (America/New_York, EST)" in lost.body
    gained = [message for message in sent(Kind.THERAPIST_NEW) if message.to == ["dan@example.test"]]
    assert len(gained) == 1
    assert "Wednesday, March 4, 2026 at 3:00 PM (America/New_York, EST)" in gained[0].body
    (moved,) = sent(Kind.RESCHEDULE)
    assert "Dan Diaz" in moved.body


def test_a_move_then_a_cancel_before_any_send_still_tells_the_first_therapist(
    clock: Any,
    patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
    admin_user: User,
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    dispatch_due_notifications()  # Carol is told the session is hers

    # Moved to Dan, then cancelled before the worker sent anything about the move.
    moved = services.reschedule(appointment=appointment, by=admin_user, start=at(4, 15), therapist=other_therapist)
    services.cancel(appointment=moved, by=admin_user)
    dispatch_due_notifications()

    cancellations = sorted(message.to[0] for message in sent(Kind.THERAPIST_CANCELLATION))
    # Carol learns her session is gone; Dan, never told of it, hears nothing about it.
    assert cancellations == ["carol@example.test"]
    assert not [message for message in sent(Kind.THERAPIST_NEW) if message.to == ["dan@example.test"]]


def test_the_agenda_lists_each_therapists_sessions_of_the_day(
    clock: Any,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
    django_capture_on_commit_callbacks: Any,
) -> None:
    book(patient, therapist, massage_type, at(3, 14))
    book(other_patient, therapist, massage_type, at(3, 10))
    book(patient, other_therapist, massage_type, at(3, 11))
    book(other_patient, therapist, massage_type, at(4, 9))  # another day
    dispatch_due_notifications()

    clock.move_to(at(3, 7))
    with django_capture_on_commit_callbacks(execute=True):
        plan_daily_agendas()

    agendas = {message.to[0]: message for message in sent(Kind.AGENDA)}
    assert set(agendas) == {"carol@example.test", "dan@example.test"}
    carol = agendas["carol@example.test"].body
    assert "Tuesday, March 3, 2026 (times in America/New_York, EST)" in carol
    assert carol.index("10:00\u201311:00 AM  Bob B., Deep tissue") < carol.index(
        "2:00\u20133:00 PM  Alice A., Deep tissue"
    )
    assert carol.count("Bob B.") == 1  # not Wednesday's session
    assert "11:00 AM\u201312:00 PM  Alice A., Deep tissue" in agendas["dan@example.test"].body
    assert agendas["carol@example.test"].subject == "Your sessions on Tuesday, March 3, 2026: 2"


def test_planning_the_agenda_twice_sends_it_once(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    book(patient, therapist, massage_type, at(3, 14))
    clock.move_to(at(3, 7))

    plan_daily_agendas()
    plan_daily_agendas()
    dispatch_due_notifications()

    assert len(sent(Kind.AGENDA)) == 1


def test_no_agenda_for_a_therapist_without_sessions(
    clock: Any, patient: User, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(3, 14))
    services.cancel(appointment=appointment, by=patient)
    clock.move_to(at(3, 7))

    plan_daily_agendas()

    assert sent(Kind.AGENDA) == []
    assert not Notification.objects.filter(kind=Kind.AGENDA).exists()


def test_the_beat_scans_every_minute_and_plans_agendas_at_seven_clinic_time() -> None:
    schedule = celery_app.conf.beat_schedule
    assert schedule["dispatch-due-notifications"]["task"] == "notifications.tasks.dispatch_due_notifications"
    assert schedule["dispatch-due-notifications"]["schedule"] == 60.0
    agenda = schedule["plan-daily-agendas"]
    assert agenda["task"] == "notifications.tasks.plan_daily_agendas"
    assert agenda["schedule"] == crontab(hour=7, minute=0)
    assert str(celery_app.timezone) == "America/New_York"


def test_reminders_follow_the_configured_offsets(
    clock: Any, settings: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    settings.REMINDER_OFFSETS = [timedelta(hours=48), timedelta(minutes=30)]

    appointment = book(patient, therapist, massage_type, at(5, 10))

    assert reminders_due(appointment) == [at(3, 10), at(5, 9, 30)]


def test_a_late_scan_sends_only_the_latest_reminder(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))

    clock.move_to(at(4, 8, 30))  # the beat was down through both reminder times
    dispatch_due_notifications()

    (reminder,) = sent(Kind.REMINDER)
    assert "starts in 2 hours" in reminder.body
    assert "Within 24 hours of the session, please call us on +1 617 555 0142" in reminder.body
    assert "Tuesday, March 3, 2026 at 10:00 AM" not in reminder.body  # the deadline that has passed
    assert Notification.objects.get(appointment=appointment, due_at=at(3, 10)).status == NotificationStatus.VOID


def test_a_session_cancelled_before_the_therapist_was_told_sends_them_nothing(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    appointment = book(patient, therapist, massage_type, at(4, 10))
    services.cancel(appointment=appointment, by=admin_user)  # before any dispatch
    dispatch_due_notifications()

    assert sent(Kind.THERAPIST_NEW) == []
    assert sent(Kind.THERAPIST_CANCELLATION) == []
    assert [message.to for message in sent(Kind.CANCELLATION)] == [["alice@example.test"]]
