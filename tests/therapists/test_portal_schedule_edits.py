"""The portal's working hours and time off pages, and what they do to the free slots."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.urls import reverse

from booking.availability import find_slots
from booking.models import Status
from therapists.models import TimeOff, WorkingHours

from .portal_setup import ZONE, at, book_session, client_for

pytestmark = pytest.mark.django_db

TUESDAY = date(2026, 3, 3)


def formset_data(spans: list[tuple[int, str, str]], deleted: tuple[int, ...] = ()) -> dict[str, Any]:
    data: dict[str, Any] = {
        "form-TOTAL_FORMS": str(len(spans) + 1),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, (weekday, start, end) in enumerate(spans):
        data[f"form-{index}-weekday"] = str(weekday)
        data[f"form-{index}-start"] = start
        data[f"form-{index}-end"] = end
        if index in deleted:
            data[f"form-{index}-DELETE"] = "on"
    return data


def slot_times(therapist, massage_type) -> list[str]:
    return [f"{s.start.astimezone(ZONE):%H:%M}" for s in find_slots(massage_type, TUESDAY, TUESDAY, [therapist])]


def test_working_hours_page_lists_my_spans(therapist, clock) -> None:
    response = client_for(therapist.user).get(reverse("therapists:working_hours"))
    assert response.status_code == 200
    assert response.context["formset"].total_form_count() == 15  # 14 spans and one blank row
    assert 'value="13:00"' in response.content.decode()


def test_saving_working_hours_replaces_them_and_changes_the_slots(therapist, massage_type, clock) -> None:
    data = formset_data([(1, "09:00", "11:00"), (1, "14:00", "16:00")])
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), data)
    assert response.status_code == 302
    rows = list(WorkingHours.objects.filter(therapist=therapist).values_list("weekday", "start", "end"))
    assert rows == [(1, time(9), time(11)), (1, time(14), time(16))]
    tuesday = slot_times(therapist, massage_type)
    assert "10:00" in tuesday and "11:00" not in tuesday and "14:00" in tuesday and "15:00" in tuesday


def test_a_removed_row_is_dropped(therapist, clock) -> None:
    data = formset_data([(1, "09:00", "11:00"), (2, "09:00", "11:00")], deleted=(1,))
    client_for(therapist.user).post(reverse("therapists:working_hours"), data)
    assert list(WorkingHours.objects.filter(therapist=therapist).values_list("weekday", flat=True)) == [1]


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        ([(1, "09:00", "12:00"), (1, "11:00", "15:00")], "overlaps"),
        ([(1, "17:00", "09:00")], "The end must be after the start"),
        ([(1, "09:00", "25:00")], "Enter a valid time"),
    ],
)
def test_invalid_working_hours_are_explained_and_nothing_changes(therapist, spans, message, clock) -> None:
    before = WorkingHours.objects.filter(therapist=therapist).count()
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), formset_data(spans))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert WorkingHours.objects.filter(therapist=therapist).count() == before


def test_time_off_page_adds_a_range_without_conflicts(therapist, massage_type, clock) -> None:
    client = client_for(therapist.user)
    response = client.post(
        reverse("therapists:time_off"), {"start": "2026-03-03T09:00", "end": "2026-03-03T13:00", "reason": "Course"}
    )
    assert response.status_code == 302
    entry = TimeOff.objects.get(therapist=therapist)
    assert entry.start == at(3, 9) and entry.end == at(3, 13)
    assert slot_times(therapist, massage_type)[0] == "13:00"
    assert "Course" in client.get(reverse("therapists:time_off")).content.decode()


def test_time_off_over_sessions_asks_before_doing_anything(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    response = client_for(therapist.user).post(
        reverse("therapists:time_off"), {"start": "2026-03-03T09:00", "end": "2026-03-03T17:00"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "This time off covers 1 booked session" in page
    assert "Alice Archer" in page
    assert 'value="keep"' in page and 'value="cancel"' in page
    assert f'value="{session.pk}"' in page  # the sessions shown travel with the answer
    assert not TimeOff.objects.exists()
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_time_off_confirmed_with_keep_leaves_the_sessions(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    data = {
        "start": "2026-03-03T09:00",
        "end": "2026-03-03T17:00",
        "on_conflict": "keep",
        "acknowledged": str(session.pk),
    }
    response = client_for(therapist.user).post(reverse("therapists:time_off"), data, follow=True)
    assert "you kept 1 session(s)" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED
    assert TimeOff.objects.filter(therapist=therapist).exists()


def test_time_off_confirmed_with_cancel_cancels_through_the_service(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    data = {
        "start": "2026-03-03T09:00",
        "end": "2026-03-03T17:00",
        "on_conflict": "cancel",
        "acknowledged": str(session.pk),
    }
    response = client_for(therapist.user).post(reverse("therapists:time_off"), data, follow=True)
    assert "1 session(s) cancelled and the patients notified" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert session.cancelled_by == therapist.user
    assert slot_times(therapist, massage_type) == []


def test_time_off_with_a_choice_but_no_acknowledged_sessions_asks_again(
    therapist, patient, massage_type, clock
) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    data = {"start": "2026-03-03T09:00", "end": "2026-03-03T17:00", "on_conflict": "cancel"}
    response = client_for(therapist.user).post(reverse("therapists:time_off"), data)
    assert response.status_code == 409
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_time_off_ending_before_it_starts_is_refused(therapist, clock) -> None:
    response = client_for(therapist.user).post(
        reverse("therapists:time_off"), {"start": "2026-03-03T13:00", "end": "2026-03-03T09:00"}
    )
    assert response.status_code == 400
    assert "The end must be after the start." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_removing_time_off_frees_the_hours(therapist, massage_type, clock) -> None:
    entry = TimeOff.objects.create(therapist=therapist, start=at(3, 0), end=at(4, 0))
    assert slot_times(therapist, massage_type) == []
    response = client_for(therapist.user).post(reverse("therapists:time_off_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not TimeOff.objects.exists()
    assert slot_times(therapist, massage_type)[0] == "09:00"


def test_another_therapists_time_off_cannot_be_removed(therapist, other_therapist, clock) -> None:
    entry = TimeOff.objects.create(therapist=therapist, start=at(3, 0), end=at(4, 0))
    response = client_for(other_therapist.user).post(reverse("therapists:time_off_delete", args=[entry.pk]))
    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=entry.pk).exists()


def test_removing_time_off_needs_a_post(therapist, clock) -> None:
    entry = TimeOff.objects.create(therapist=therapist, start=at(3, 0), end=at(4, 0))
    assert client_for(therapist.user).get(reverse("therapists:time_off_delete", args=[entry.pk])).status_code == 405
    assert TimeOff.objects.filter(pk=entry.pk).exists()


def test_an_untouched_blank_row_is_ignored(therapist, clock) -> None:
    data = formset_data([(1, "09:00", "11:00")])
    data.update({"form-1-weekday": "", "form-1-start": "", "form-1-end": ""})
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), data)
    assert response.status_code == 302
    assert WorkingHours.objects.filter(therapist=therapist).count() == 1


def test_confirming_without_a_choice_asks_again_and_says_why(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    data = {"start": "2026-03-03T09:00", "end": "2026-03-03T17:00", "acknowledged": str(session.pk)}
    response = client_for(therapist.user).post(reverse("therapists:time_off"), data)
    assert response.status_code == 409
    assert "Choose whether to keep or cancel these sessions." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_new_hours_that_leave_a_session_outside_warn_and_keep_it(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 15))
    data = formset_data([(1, "09:00", "12:00")])
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), data, follow=True)
    page = response.content.decode()
    assert "1 booked session(s) now fall outside your hours and stay booked" in page
    assert "Tuesday, March 3, 2026 at 3:00 PM" in page
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_new_hours_that_still_hold_every_session_do_not_warn(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(3, 10))
    data = formset_data([(1, "09:00", "12:00")])
    response = client_for(therapist.user).post(reverse("therapists:working_hours"), data, follow=True)
    assert "fall outside your hours" not in response.content.decode()
