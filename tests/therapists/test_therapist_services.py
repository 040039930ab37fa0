"""The portal's write services: working hours, time off and its conflict flow, outcome, notes, feed token."""

from __future__ import annotations

from datetime import date, time

import pytest

from booking.availability import find_slots
from booking.exceptions import InvalidBooking, InvalidTransition, NotAllowed
from booking.models import Status
from portal import services
from portal.services import NoteData, OnConflict, Span
from therapists.models import SessionNote, SessionNoteRevision, TimeOff, WorkingHours

from .portal_setup import at, book_session

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 3, 3)


def starts(slots: list) -> list[str]:
    return [f"{slot.start.astimezone(at(1, 0).tzinfo):%H:%M}" for slot in slots]


# --- Working hours -------------------------------------------------------------------------


def test_span_problems_flags_overlap_hidden_behind_a_long_span() -> None:
    spans = [Span(0, time(9), time(17)), Span(0, time(10), time(11)), Span(0, time(12), time(13))]
    problems = services.span_problems(spans)
    assert set(problems) == {1, 2}


def test_span_problems_accepts_touching_spans_and_refuses_backwards_ones() -> None:
    assert services.span_problems([Span(0, time(9), time(12)), Span(0, time(12), time(17))]) == {}
    assert "after the start" in services.span_problems([Span(2, time(17), time(9))])[0]
    assert services.span_problems([Span(7, time(9), time(10))])[0].startswith("The day")


def test_set_working_hours_replaces_every_span(therapist, clock) -> None:
    services.set_working_hours(therapist=therapist, spans=[Span(1, time(9), time(11)), Span(1, time(14), time(16))])
    rows = list(WorkingHours.objects.filter(therapist=therapist).values_list("weekday", "start", "end"))
    assert rows == [(1, time(9), time(11)), (1, time(14), time(16))]


def test_invalid_working_hours_change_nothing(therapist, clock) -> None:
    before = list(WorkingHours.objects.filter(therapist=therapist).values_list("weekday", "start", "end"))
    with pytest.raises(InvalidBooking) as caught:
        services.set_working_hours(therapist=therapist, spans=[Span(1, time(9), time(12)), Span(1, time(11), time(15))])
    assert "spans[1]" in caught.value.fields
    after = list(WorkingHours.objects.filter(therapist=therapist).values_list("weekday", "start", "end"))
    assert after == before


def test_new_working_hours_change_the_free_slots_at_once(therapist, massage_type, clock) -> None:
    assert "15:00" in starts(find_slots(massage_type, TUESDAY, TUESDAY, [therapist]))
    services.set_working_hours(therapist=therapist, spans=[Span(TUESDAY.weekday(), time(9), time(11))])
    tuesday = starts(find_slots(massage_type, TUESDAY, TUESDAY, [therapist]))
    assert tuesday[0] == "09:00"
    assert tuesday[-1] == "10:00"  # the last 60-minute session ends at 11:00
    assert "15:00" not in tuesday


def test_a_break_removes_the_slots_inside_it(therapist, massage_type, clock) -> None:
    services.set_working_hours(
        therapist=therapist,
        spans=[Span(TUESDAY.weekday(), time(9), time(12)), Span(TUESDAY.weekday(), time(14), time(17))],
    )
    tuesday = starts(find_slots(massage_type, TUESDAY, TUESDAY, [therapist]))
    assert "11:00" in tuesday
    assert "12:00" not in tuesday
    assert "13:00" not in tuesday
    assert "14:00" in tuesday


# --- Time off ------------------------------------------------------------------------------


def test_time_off_without_sessions_blocks_its_slots(therapist, massage_type, clock) -> None:
    result = services.add_time_off(therapist=therapist, start=at(3, 9), end=at(3, 13), by=therapist.user)
    assert result.cancelled == [] and result.kept == []
    tuesday = starts(find_slots(massage_type, TUESDAY, TUESDAY, [therapist]))
    assert tuesday[0] == "13:00"


def test_removing_time_off_makes_its_slots_free_again(therapist, massage_type, clock) -> None:
    result = services.add_time_off(therapist=therapist, start=at(3, 0), end=at(4, 0), by=therapist.user)
    assert find_slots(massage_type, TUESDAY, TUESDAY, [therapist]) == []
    services.remove_time_off(time_off=result.time_off)
    assert not TimeOff.objects.exists()
    assert starts(find_slots(massage_type, TUESDAY, TUESDAY, [therapist]))[0] == "09:00"


def test_time_off_over_a_booked_session_asks_first_and_writes_nothing(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    with pytest.raises(services.TimeOffConflict) as caught:
        services.add_time_off(therapist=therapist, start=at(3, 9), end=at(3, 17), by=therapist.user)
    assert [a.pk for a in caught.value.appointments] == [session.pk]
    assert not TimeOff.objects.exists()
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_time_off_keeping_the_sessions_leaves_them_booked(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    result = services.add_time_off(
        therapist=therapist,
        start=at(3, 9),
        end=at(3, 17),
        by=therapist.user,
        on_conflict=OnConflict.KEEP,
        acknowledged=[session.pk],
    )
    assert [a.pk for a in result.kept] == [session.pk]
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED
    assert TimeOff.objects.filter(therapist=therapist).count() == 1


def test_time_off_cancelling_the_sessions_uses_the_cancel_service(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    later = book_session(patient, therapist, massage_type, at(3, 14))
    result = services.add_time_off(
        therapist=therapist,
        start=at(3, 9),
        end=at(3, 12),
        reason="Dentist",
        by=therapist.user,
        on_conflict=OnConflict.CANCEL,
        acknowledged=[session.pk],
    )
    assert [a.pk for a in result.cancelled] == [session.pk]
    session.refresh_from_db()
    later.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert session.cancelled_by == therapist.user
    assert session.cancelled_at is not None
    assert "Dentist" not in session.cancellation_reason  # the therapist's reason stays private
    assert later.status == Status.CONFIRMED


def test_a_session_booked_after_the_question_is_never_cancelled_unseen(
    therapist, patient, other_patient, massage_type, clock
) -> None:
    seen = book_session(patient, therapist, massage_type, at(3, 10))
    unseen = book_session(other_patient, therapist, massage_type, at(3, 14))
    with pytest.raises(services.TimeOffConflict) as caught:
        services.add_time_off(
            therapist=therapist,
            start=at(3, 9),
            end=at(3, 17),
            by=therapist.user,
            on_conflict=OnConflict.CANCEL,
            acknowledged=[seen.pk],
        )
    assert {a.pk for a in caught.value.appointments} == {seen.pk, unseen.pk}
    seen.refresh_from_db()
    assert seen.status == Status.CONFIRMED
    assert not TimeOff.objects.exists()


def test_time_off_must_end_after_it_starts_and_in_the_future(therapist, clock) -> None:
    with pytest.raises(InvalidBooking):
        services.add_time_off(therapist=therapist, start=at(3, 12), end=at(3, 9), by=therapist.user)
    with pytest.raises(InvalidBooking):
        services.add_time_off(therapist=therapist, start=at(1, 9), end=at(1, 12), by=therapist.user)


def test_another_therapist_cannot_add_time_off_for_a_colleague(therapist, other_therapist, clock) -> None:
    with pytest.raises(NotAllowed):
        services.add_time_off(therapist=therapist, start=at(3, 9), end=at(3, 12), by=other_therapist.user)


# --- Outcome and notes ---------------------------------------------------------------------


def test_outcome_before_the_start_is_refused(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    with pytest.raises(InvalidTransition):
        services.record_outcome(appointment=session, by=therapist.user, outcome="completed")
    clock.move_to(at(2, 11, 5))
    services.record_outcome(appointment=session, by=therapist.user, outcome="no_show")
    session.refresh_from_db()
    assert session.status == Status.NO_SHOW


def test_every_save_of_a_note_keeps_a_revision(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    services.save_session_note(
        appointment=session, by=therapist.user, data=NoteData(subjective="Stiff", pain_after=4), expected_revision=0
    )
    clock.move_to(at(2, 12, 0))
    note = services.save_session_note(
        appointment=session,
        by=therapist.user,
        data=NoteData(subjective="Stiff, better after", plan="Stretch daily", pain_after=3),
        expected_revision=1,
    )
    assert note.revision == 2
    assert SessionNote.objects.get().plan == "Stretch daily"
    revisions = list(SessionNoteRevision.objects.filter(note=note).order_by("number"))
    assert [(r.number, r.subjective, r.pain_after) for r in revisions] == [
        (1, "Stiff", 4),
        (2, "Stiff, better after", 3),
    ]
    assert {r.author for r in revisions} == {therapist.user}
    assert revisions[0].created_at < revisions[1].created_at


def test_a_stale_note_edit_is_refused_not_overwritten(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    services.save_session_note(appointment=session, by=therapist.user, data=NoteData(assessment="First"))
    services.save_session_note(appointment=session, by=therapist.user, data=NoteData(assessment="Second"))
    with pytest.raises(services.NoteChanged):
        services.save_session_note(
            appointment=session, by=therapist.user, data=NoteData(assessment="From an old tab"), expected_revision=1
        )
    assert SessionNote.objects.get().assessment == "Second"
    assert SessionNoteRevision.objects.count() == 2


def test_notes_wait_for_the_session_and_belong_to_its_therapist(
    therapist, other_therapist, patient, massage_type, clock
) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    with pytest.raises(InvalidTransition):
        services.save_session_note(appointment=session, by=therapist.user, data=NoteData(plan="Early"))
    clock.move_to(at(2, 11, 5))
    with pytest.raises(NotAllowed):
        services.save_session_note(appointment=session, by=other_therapist.user, data=NoteData(plan="Not mine"))
    with pytest.raises(InvalidBooking):
        services.save_session_note(appointment=session, by=therapist.user, data=NoteData(pain_after=11))
    assert not SessionNote.objects.exists()


def test_regenerating_the_token_replaces_it(therapist) -> None:
    old = therapist.calendar_token
    new = services.regenerate_calendar_token(therapist=therapist)
    therapist.refresh_from_db()
    assert therapist.calendar_token == new != old
