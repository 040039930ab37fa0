"""Health data (the intake and the treatment notes) never reaches a log record, an e-mail or a calendar.

A patient books through the API with distinctive intake text; a second patient fails to
book the same slot (409) and sends an invalid intake (400); the intake is changed and the
appointment moved; the notifications are sent (Celery eager, as the notification tests
do); the therapist reads the intake in the portal pages and the API, writes a treatment
note, fails one stale save (409) and marks the session completed. Every log record of
every logger, at DEBUG, is then searched for the secrets, and so are the e-mails, the
therapist's iCalendar feed and the patient's calendar file.

The test runs with DEBUG off, as pytest-django sets it and production runs: Django's
`django.db.backends` logger then writes no SQL. With DEBUG on it logs every query with its
parameters (the intake included) at DEBUG level, so production must keep DEBUG off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from knox.models import AuthToken

from booking.models import Appointment, MassageType
from clinic.celery import app as celery_app
from clinic.models import User
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist

HEALTH_NOTES = "HEALTHSECRET-xyz disc herniation L4/L5, on warfarin"
FOCUS_AREAS = "FOCUSSECRET-left-sacroiliac"
OTHER_HEALTH_NOTES = "HEALTHSECRET-bob pregnant, second trimester"
NOTE_TEXT = "NOTESECRET-trigger points quadratus lumborum"
SECRETS = ["HEALTHSECRET", "FOCUSSECRET", "NOTESECRET"]
LOGGERS = ["", "django", "django.request", "django.server", "django.db.backends", "celery", "booking", "therapists"]

WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
WED_14 = datetime(2026, 3, 4, 14, 0, tzinfo=CLINIC_ZONE)


@pytest.fixture(autouse=True)
def eager_celery() -> Iterator[None]:
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every record of every logger down to DEBUG (Django's own loggers default to INFO)."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def token_client(user: User) -> Client:
    _, token = AuthToken.objects.create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


def leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def record_text(record: logging.LogRecord) -> str:
    """Return all a handler could write of a record: the message, the arguments, the traceback, the extras."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return "\n".join([formatter.format(record), repr(record.args), repr(vars(record))])


@pytest.mark.django_db
def test_intake_and_notes_stay_out_of_logs_e_mails_and_calendars(
    clock: time_machine.Traveller,
    every_log_record: pytest.LogCaptureFixture,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
) -> None:
    alice, bob = token_client(patient), token_client(other_patient)
    booking = {
        "massage_type": massage_type.pk,
        "therapist": therapist.pk,
        "start": WED_10.isoformat(),
        "focus_areas": FOCUS_AREAS,
        "pain_level": 6,
        "pressure": "medium",
        "health_notes": HEALTH_NOTES,
    }

    # The patient's side: a booking, a lost race for the slot, an invalid intake, an edit, a move.
    booked = alice.post("/api/v1/appointments/", booking, content_type="application/json")
    assert booked.status_code == 201
    pk = booked.json()["id"]
    taken = bob.post(
        "/api/v1/appointments/", {**booking, "health_notes": OTHER_HEALTH_NOTES}, content_type="application/json"
    )
    assert taken.status_code == 409
    too_long = {**booking, "start": WED_14.isoformat(), "health_notes": OTHER_HEALTH_NOTES + "x" * 5000}
    assert bob.post("/api/v1/appointments/", too_long, content_type="application/json").status_code == 400
    edit = {"health_notes": HEALTH_NOTES + " (updated)", "focus_areas": FOCUS_AREAS}
    assert alice.patch(f"/api/v1/appointments/{pk}/", edit, content_type="application/json").status_code == 200
    bad_edit = {"health_notes": HEALTH_NOTES, "pain_level": 11}
    assert alice.patch(f"/api/v1/appointments/{pk}/", bad_edit, content_type="application/json").status_code == 400
    moved = alice.post(
        f"/api/v1/appointments/{pk}/reschedule/", {"start": WED_14.isoformat()}, content_type="application/json"
    )
    assert moved.status_code == 200
    assert HEALTH_NOTES in moved.json()["health_notes"]  # the patient sees their own intake

    # The notices: confirmation, the therapist's notice, the reschedule notices.
    dispatch_due_notifications()
    assert len(mail.outbox) >= 2

    # The therapist's side: the intake in the portal and the API (where it belongs).
    carol = Client()
    carol.force_login(therapist.user)
    for page in ("/therapist/?date=2026-03-04", "/therapist/week/?date=2026-03-04", f"/therapist/sessions/{pk}/"):
        response = carol.get(page)
        assert response.status_code == 200
        assert "HEALTHSECRET-xyz" in response.content.decode(), page
    schedule = token_client(therapist.user).get("/api/v1/therapist/schedule/?date_from=2026-03-04&date_to=2026-03-04")
    assert HEALTH_NOTES in schedule.json()["sessions"][0]["intake"]["health_notes"]

    # After the session: a treatment note, a stale save of it, the outcome.
    clock.move_to(WED_14 + timedelta(minutes=70))
    note = {"subjective": NOTE_TEXT, "objective": "", "assessment": "", "plan": "", "pain_after": "3", "revision": "0"}
    assert carol.post(f"/therapist/sessions/{pk}/note/", note).status_code == 302
    stale = {**note, "subjective": NOTE_TEXT + " again", "pain_after": 2, "revision": 0}
    carol_api = token_client(therapist.user)
    assert (
        carol_api.put(f"/api/v1/therapist/sessions/{pk}/notes/", stale, content_type="application/json").status_code
        == 409
    )
    assert NOTE_TEXT in carol.get(f"/therapist/sessions/{pk}/").content.decode()
    assert carol.post(f"/therapist/sessions/{pk}/outcome/", {"outcome": "completed"}).status_code == 302
    dispatch_due_notifications()

    # Calendars: the therapist's subscription feed and the patient's download.
    feed = Client().get(f"/therapist/feed/{therapist.calendar_token}.ics")
    assert feed.status_code == 200
    assert f"appointment-{pk}@" in feed.content.decode()
    assert leaks(feed.content.decode()) == []
    patient_site = Client()
    patient_site.force_login(patient)
    ics = patient_site.get(f"/appointments/{pk}/calendar.ics")
    assert ics.status_code == 200
    assert leaks(ics.content.decode()) == []

    # E-mails: subjects, bodies, HTML parts and calendar attachments.
    for message in mail.outbox:
        parts = [message.subject, message.body]
        parts += [str(content) for content, _type in getattr(message, "alternatives", [])]
        parts += [str(attachment) for attachment in message.attachments]
        parts += [str(message.message())]
        assert leaks("\n".join(parts)) == [], message.subject

    # Logs: the refusals were logged (so the capture works), and no record holds a secret.
    records = every_log_record.records
    refusals = [r.getMessage() for r in records if r.name == "django.request" and r.levelno == logging.WARNING]
    assert "Conflict: /api/v1/appointments/" in refusals
    leaking = [(record.name, record.getMessage()) for record in records if leaks(record_text(record))]
    assert leaking == []
    assert Appointment.objects.get(pk=pk).status == "completed"
