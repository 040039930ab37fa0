"""Who did what, and when: every service writes its event in its own transaction, and nothing edits one.

The events name times and field names, never health details (nor a reason's words); the admin shows them
on the appointment and on the patient, and the portal shows a session's to its therapist.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.test import Client

from audit.models import Event, Kind
from booking import records, services
from booking.exceptions import SlotTaken
from booking.intake import IntakeData
from booking.models import MassageType
from clinic.models import User
from portal import services as therapist_services
from tests.factories import UserFactory
from tests.therapists.portal_setup import RED_FLAG_INTAKE, at, book_session, client_for
from therapists.models import Therapist

HEALTH_SECRET = "Herniated disc L4-L5"


def kinds(**filters: Any) -> list[str]:
    return list(Event.objects.filter(**filters).order_by("at", "pk").values_list("kind", flat=True))


@pytest.fixture
def session(clock: time_machine.Traveller, patient: User, therapist: Therapist, massage_type: MassageType) -> Any:
    return book_session(patient, therapist, massage_type, at(4, 10), intake=RED_FLAG_INTAKE)


@pytest.mark.django_db
def test_booking_records_who_booked_what_and_when(session: Any, patient: User) -> None:
    [event] = Event.objects.for_appointment(session.pk)

    assert event.kind == Kind.BOOKED
    assert event.actor == patient
    assert event.patient_id == patient.pk
    assert "Wednesday, March 4, 2026 at 10:00 AM EST" in event.summary
    assert event.data["start"] == session.start.isoformat()


@pytest.mark.django_db
def test_a_move_records_from_and_to_and_who_moved_it(
    session: Any, admin_user: User, other_therapist: Therapist
) -> None:
    services.reschedule(appointment=session, by=admin_user, start=at(5, 11), therapist=other_therapist)

    moved = Event.objects.for_appointment(session.pk).get(kind=Kind.MOVED)
    assert moved.actor == admin_user
    assert moved.data["from"] == at(4, 10).isoformat()
    assert moved.data["to"] == at(5, 11).isoformat()
    assert "from Carol Chen to Dan Diaz" in moved.summary


@pytest.mark.django_db
def test_a_cancellation_records_who_and_why(session: Any, patient: User) -> None:
    services.cancel(appointment=session, by=patient, reason="Away on business")

    cancelled = Event.objects.for_appointment(session.pk).get(kind=Kind.CANCELLED)
    assert cancelled.actor == patient
    # Whether a reason was given, never its words (a patient may write about their health).
    assert cancelled.data == {"reason_given": True, "patient_notified": True, "late": False}
    assert "Away on business" not in f"{cancelled.summary} {cancelled.data}"


@pytest.mark.django_db
def test_an_outcome_records_who_marked_it(session: Any, clock: time_machine.Traveller, therapist: Therapist) -> None:
    clock.move_to(at(4, 11, 30))
    services.mark_no_show(appointment=session, by=therapist.user)

    outcome = Event.objects.for_appointment(session.pk).get(kind=Kind.OUTCOME)
    assert outcome.actor == therapist.user
    assert outcome.data == {"status": "no_show", "previous": "confirmed"}


@pytest.mark.django_db
def test_an_intake_change_names_the_fields_never_their_answers(session: Any, patient: User) -> None:
    changed = IntakeData.of(session)
    changed = IntakeData(**{**changed.__dict__, "pain_level": 3, "health_notes": f"{HEALTH_SECRET}, worse"})

    records.update_intake(appointment=session, by=patient, intake=changed)

    event = Event.objects.for_appointment(session.pk).get(kind=Kind.INTAKE_CHANGED)
    assert event.data == {"fields": ["pain_level", "health_notes"]}
    assert "pain_level, health_notes" in event.summary
    for text in Event.objects.values_list("summary", "data"):
        assert HEALTH_SECRET not in str(text)


@pytest.mark.django_db
def test_an_unchanged_intake_records_nothing(session: Any, patient: User) -> None:
    records.update_intake(appointment=session, by=patient, intake=IntakeData.of(session))

    assert kinds(appointment_id=session.pk) == [Kind.BOOKED]


@pytest.mark.django_db
def test_a_refused_booking_records_nothing(session: Any, other_patient: User, therapist: Therapist) -> None:
    with pytest.raises(SlotTaken):
        services.book(patient=other_patient, therapist=therapist, massage_type=session.massage_type, start=at(4, 10))

    assert kinds(patient=other_patient) == []


@pytest.mark.django_db
def test_schedule_changes_record_who_changed_them(clock: time_machine.Traveller, therapist: Therapist) -> None:
    therapist_services.set_working_hours(
        therapist=therapist,
        spans=[therapist_services.Span(0, time(9), time(13))],
        by=therapist.user,
    )
    result = therapist_services.add_time_off(therapist=therapist, start=at(6, 9), end=at(6, 17), by=therapist.user)
    therapist_services.remove_time_off(time_off=result.time_off, by=therapist.user)

    events = list(Event.objects.filter(therapist_id=therapist.pk).order_by("pk"))
    assert [e.kind for e in events] == [Kind.HOURS_CHANGED, Kind.TIME_OFF_ADDED, Kind.TIME_OFF_REMOVED]
    assert all(e.actor == therapist.user for e in events)
    assert "Mon 9:00 AM\u20131:00 PM" in events[0].summary
    assert "Friday, March 6, 2026 at 9:00 AM EST" in events[1].summary


@pytest.mark.django_db
def test_a_note_revision_records_its_number_never_its_text(
    session: Any, clock: time_machine.Traveller, therapist: Therapist
) -> None:
    clock.move_to(at(4, 12))
    therapist_services.save_session_note(
        appointment=session, by=therapist.user, data=therapist_services.NoteData(subjective=HEALTH_SECRET)
    )

    event = Event.objects.for_appointment(session.pk).get(kind=Kind.NOTE_REVISED)
    assert event.data == {"revision": 1}
    assert HEALTH_SECRET not in event.summary


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted(session: Any) -> None:
    event = Event.objects.for_appointment(session.pk).get()

    with pytest.raises(DatabaseError, match="never changed or deleted"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError, match="never changed or deleted"), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).summary == event.summary


@pytest.mark.django_db
def test_the_admin_shows_the_history_on_the_appointment_and_the_patient(
    session: Any, admin_client: Client, admin_user: User, patient: User
) -> None:
    services.cancel(appointment=session, by=admin_user, reason="Therapist unwell")

    appointment_page = admin_client.get(f"/admin/booking/appointment/{session.pk}/change/").content.decode()
    patient_page = admin_client.get(f"/admin/clinic/user/{patient.pk}/change/").content.decode()

    for page in (appointment_page, patient_page):
        assert "Who did what" in page
        assert "Cancelled" in page and "a reason was given" in page
        assert "Booked" in page
    assert "Therapist unwell" in appointment_page  # the appointment's own cancellation field
    assert "Therapist unwell" not in patient_page


@pytest.mark.django_db
def test_the_therapist_sees_the_sessions_history_in_the_portal(
    session: Any, therapist: Therapist, admin_user: User
) -> None:
    services.reschedule(appointment=session, by=admin_user, start=at(4, 14))

    page = client_for(therapist.user).get(f"/therapist/sessions/{session.pk}/").content.decode()

    assert "History" in page
    assert "Moved" in page and "Wednesday, March 4, 2026 at 2:00 PM EST" in page


@pytest.mark.django_db
def test_a_patients_own_booking_and_a_staff_booking_name_their_actors(
    clock: time_machine.Traveller, therapist: Therapist, massage_type: MassageType, admin_user: User
) -> None:
    walk_in = UserFactory()
    services.book(patient=walk_in, therapist=therapist, massage_type=massage_type, start=at(4, 15), by=admin_user)

    [event] = Event.objects.for_patient(walk_in.pk)
    assert event.actor == admin_user
    assert "(by the clinic)" in event.summary
