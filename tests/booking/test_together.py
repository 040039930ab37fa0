"""A booking's writes in one statement (booking.together): every row written, or none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Event, Kind
from booking import outbox, services, stamps, together
from booking.models import Appointment, MassageType, Notification, NotificationKind
from booking.stamps import AvailabilityStamp
from clinic.models import User
from locations.models import Room
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory
from therapists.models import Therapist

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 4, 10, tzinfo=CLINIC_ZONE)


def stamp_versions(location_id: int) -> dict[object, int]:
    return dict(AvailabilityStamp.objects.filter(location_id=location_id).values_list("day", "version"))


@pytest.mark.django_db
def test_a_booking_writes_its_session_notices_event_and_stamp_each_pointing_at_it(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    location_id = therapist.working_hours.values_list("location_id", flat=True).first()
    assert location_id is not None
    before = stamp_versions(location_id)

    appointment = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=START)

    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.patient_id, stored.start, stored.room_id) == (patient.pk, START, appointment.room_id)
    assert stored.created_at == appointment.created_at  # auto_now_add set on the instance, as save() does
    notices = Notification.objects.filter(appointment=appointment)
    assert sorted(notices.values_list("kind", flat=True)) == sorted(
        [NotificationKind.CONFIRMATION, NotificationKind.THERAPIST_NEW, *[NotificationKind.REMINDER] * 2]
    )
    assert set(notices.values_list("recipient", flat=True)) == {patient.email, therapist.user.email}
    event = Event.objects.get(appointment_id=appointment.pk)
    assert (event.kind, event.patient_id, event.actor_id) == (Kind.BOOKED, patient.pk, patient.pk)
    # The session's UTC day at its location went one version up.
    day = START.astimezone(UTC).date()
    assert stamp_versions(location_id)[day] == before.get(day, 0) + 1


@pytest.mark.django_db
def test_the_rows_get_their_ids_in_the_order_given(
    clock, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    existing = AppointmentFactory(therapist=therapist, massage_type=massage_type, start=START + timedelta(days=1))
    appointment = Appointment(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=Room.objects.get(pk=existing.room_id),
        start=START,
        end=START + timedelta(hours=1),
        blocked_until=START + timedelta(hours=1, minutes=15),
        price=massage_type.price,
    )
    notices = outbox.booked_notices(appointment, now=timezone.now())

    with transaction.atomic():
        together.insert_together(appointment, notices, link="appointment_id")

    assert appointment.pk is not None and not appointment._state.adding
    for notice in notices:
        assert Notification.objects.get(pk=notice.pk).kind == notice.kind
        assert notice.appointment_id == appointment.pk
    assert [notice.pk for notice in notices] == sorted(notice.pk for notice in notices)


@pytest.mark.django_db
def test_a_session_the_constraint_refuses_leaves_none_of_its_rows(
    therapist: Therapist, massage_type: MassageType, patient: User, admin_user: User
) -> None:
    taken = AppointmentFactory(therapist=therapist, massage_type=massage_type, start=START)
    clash = Appointment(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        room=Room.objects.get(pk=taken.room_id),
        start=START + timedelta(minutes=30),
        end=START + timedelta(minutes=90),
        blocked_until=START + timedelta(minutes=105),
        price=massage_type.price,
    )
    notices = outbox.booked_notices(clash, now=START - timedelta(days=2))
    event = services._event_row(Kind.BOOKED, clash, by=admin_user, summary="clash", now=START - timedelta(days=2))
    location_id = clash.room.location_id
    bump = stamps.bump_statement(stamps.session_keys((location_id, clash.start, clash.blocked_until)))
    assert bump is not None
    notices_before, events_before, stamps_before = (
        Notification.objects.count(),
        Event.objects.count(),
        stamp_versions(location_id),
    )

    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        together.insert_together(clash, [*notices, event], link="appointment_id", also=[bump])

    assert getattr(refused.value.__cause__, "sqlstate", None) == "23P01"
    assert Appointment.objects.count() == 1
    assert (Notification.objects.count(), Event.objects.count()) == (notices_before, events_before)
    assert stamp_versions(location_id) == stamps_before


SQLITE_BOOKING = """
import json
from datetime import timedelta
from django.utils import timezone
from audit.models import Event
from booking import services
from booking.availability import find_slots
from booking.models import MassageType, Notification
from booking.stamps import AvailabilityStamp
from clinic.models import User
from locations.models import Room
from therapists.models import Therapist

therapist = Therapist.objects.get(user__email="therapist@clinic.test")
massage = therapist.massage_types.filter(is_active=True).order_by("pk").first()
today = timezone.localdate()
slot = find_slots(massage, today + timedelta(days=2), today + timedelta(days=9), [therapist.pk])[0]
newcomer = User.objects.create_user(email="new.patient@example.test", password="a-long-pass-2026")
stamps_before = sum(AvailabilityStamp.objects.values_list("version", flat=True))
booked = services.book(patient=newcomer, therapist=therapist, massage_type=massage, start=slot.start)
print(json.dumps({
    "id": booked.pk,
    "notices": sorted(Notification.objects.filter(appointment_id=booked.pk).values_list("kind", flat=True)),
    "events": list(Event.objects.filter(appointment_id=booked.pk).values_list("kind", flat=True)),
    "stamps_bumped": sum(AvailabilityStamp.objects.values_list("version", flat=True)) - stamps_before,
}))
"""


def test_on_sqlite_the_same_rows_are_written_one_statement_after_another(tmp_path: Path) -> None:
    # `make run`'s database: no data-modifying WITH, so the fallback writes them in turn.
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "REDIS_URL"):
        env.pop(name, None)

    def manage(*args: str) -> str:
        done = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "-v0")
    manage("seed_demo")
    written = json.loads(manage("shell", "-c", SQLITE_BOOKING).strip().splitlines()[-1])

    assert written["notices"] == sorted(
        [NotificationKind.CONFIRMATION, NotificationKind.THERAPIST_NEW, *[NotificationKind.REMINDER] * 2]
    )
    assert written["events"] == [Kind.BOOKED]
    assert written["stamps_bumped"] >= 1
