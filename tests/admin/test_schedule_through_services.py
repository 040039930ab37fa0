"""The admin changes working hours and time off only through portal.services, asking what the portal asks."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Event, Kind
from booking import records
from booking import services as booking_services
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus, Status
from clinic.models import User
from portal.schedule import sessions_outside_hours
from tests.factories import TimeOffFactory
from tests.therapists.portal_setup import at, book_session, client_for
from therapists.models import Therapist, TimeOff, WorkingHours

pytestmark = pytest.mark.django_db

Week = list[tuple[int, time, time]]


def _week(therapist: Therapist) -> Week:
    return list(WorkingHours.objects.filter(therapist=therapist).order_by("weekday", "start").values_list(
        "weekday", "start", "end"
    ))  # fmt: skip


def _page_data(therapist: Therapist, changes: dict[int, tuple[int, str, str] | None], new: Week) -> dict[str, Any]:
    """Return the therapist page's POST: stored rows kept, changed (by index) or removed (None), then new rows."""
    rows = list(WorkingHours.objects.filter(therapist=therapist).order_by("weekday", "start"))
    time_off = list(TimeOff.objects.filter(therapist=therapist).order_by("-start"))
    data: dict[str, Any] = {
        "user": therapist.user_id, "display_name": therapist.display_name, "bio": therapist.bio, "is_active": "on",
        "massage_types": [t.pk for t in therapist.massage_types.all()],
        "working_hours-TOTAL_FORMS": len(rows) + len(new), "working_hours-INITIAL_FORMS": len(rows),
        "time_off-TOTAL_FORMS": len(time_off), "time_off-INITIAL_FORMS": len(time_off), "_save": "Save",
    }  # fmt: skip
    for n, row in enumerate(rows):
        weekday, start, end = changes.get(n) or (row.weekday, f"{row.start:%H:%M}", f"{row.end:%H:%M}")
        data.update({f"working_hours-{n}-id": row.pk, f"working_hours-{n}-therapist": therapist.pk,
                     f"working_hours-{n}-weekday": weekday, f"working_hours-{n}-start": start,
                     f"working_hours-{n}-end": end})  # fmt: skip
        if n in changes and changes[n] is None:
            data[f"working_hours-{n}-DELETE"] = "on"
    for n, (day, begins, ends) in enumerate(new, start=len(rows)):
        data.update({f"working_hours-{n}-therapist": therapist.pk, f"working_hours-{n}-weekday": day,
                     f"working_hours-{n}-start": f"{begins:%H:%M}",
                     f"working_hours-{n}-end": f"{ends:%H:%M}"})  # fmt: skip
    for n, entry in enumerate(time_off):
        data.update({f"time_off-{n}-id": entry.pk, f"time_off-{n}-therapist": therapist.pk})
    return data


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _change_url(therapist: Therapist) -> str:
    return reverse("admin:therapists_therapist_change", args=[therapist.pk])


def _time_off_url(therapist: Therapist) -> str:
    return reverse("admin:therapists_therapist_time_off", args=[therapist.pk])


# --- Working hours ------------------------------------------------------------------------


def test_the_owner_moves_a_break_and_the_week_is_exactly_the_new_spans(
    therapist: Therapist, admin_client: Client, admin_user: User, clock: Any
) -> None:
    # Carol's Monday 09-12 and 13-17 become 09-14 and 15-17 (the first new span reaches
    # over the old afternoon one), and a Monday evening span is added.
    before = _week(therapist)
    data = _page_data(therapist, {0: (0, "09:00", "14:00"), 1: (0, "15:00", "17:00")}, [(0, time(18), time(20))])
    response = admin_client.post(_change_url(therapist), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    monday = [(0, time(9), time(14)), (0, time(15), time(17)), (0, time(18), time(20))]
    assert _week(therapist) == monday + [span for span in before if span[0] != 0]
    [event] = Event.objects.filter(kind=Kind.HOURS_CHANGED, therapist_id=therapist.pk)
    assert event.actor == admin_user
    assert (
        "Mon 9:00 AM\u20132:00 PM, Mon 3:00\u20135:00 PM, Mon 6:00\u20138:00 PM, Tue 9:00 AM\u201312:00 PM"
        in event.summary
    )


def test_removing_rows_on_the_therapist_page_removes_them_through_the_service(
    therapist: Therapist, admin_client: Client, admin_user: User, clock: Any
) -> None:
    before = _week(therapist)
    response = admin_client.post(_change_url(therapist), _page_data(therapist, {0: None, 1: None}, []))
    assert response.status_code == 302
    assert _week(therapist) == [span for span in before if span[0] != 0]
    assert Event.objects.get(kind=Kind.HOURS_CHANGED).actor == admin_user


def test_overlapping_spans_are_a_form_error_and_nothing_changes(
    therapist: Therapist, admin_client: Client, clock: Any
) -> None:
    before = _week(therapist)
    # A new Monday span over the stored morning, and a bio change that must not be saved either.
    data = {**_page_data(therapist, {}, [(0, time(11), time(12, 30))]), "bio": "Sports massage."}
    response = admin_client.post(_change_url(therapist), data)
    assert response.status_code == 200
    assert "Monday 11:00 AM\u201312:30 PM overlaps 9:00 AM\u201312:00 PM." in response.content.decode()
    assert _week(therapist) == before
    therapist.refresh_from_db()
    assert therapist.bio == "Licensed massage therapist."
    assert not Event.objects.filter(kind=Kind.HOURS_CHANGED).exists()


def test_saving_the_page_without_changing_the_week_records_no_hours_change(
    therapist: Therapist, admin_client: Client, clock: Any
) -> None:
    before = _week(therapist)
    data = {**_page_data(therapist, {}, []), "bio": "Sports massage."}
    assert admin_client.post(_change_url(therapist), data).status_code == 302
    assert _week(therapist) == before
    assert not Event.objects.filter(kind=Kind.HOURS_CHANGED).exists()


def test_hours_that_leave_a_booked_session_outside_warn_as_the_portal_does(
    booked: Appointment, therapist: Therapist, admin_client: Client, clock: Any
) -> None:
    # Wednesday (weekday 2) loses its morning, where Alice's 10:00 session is.
    rows = list(WorkingHours.objects.filter(therapist=therapist).order_by("weekday", "start"))
    morning = next(n for n, row in enumerate(rows) if row.weekday == 2 and row.start == time(9))
    response = admin_client.post(_change_url(therapist), _page_data(therapist, {morning: None}, []), follow=True)
    assert sessions_outside_hours(therapist, timezone.now()) == [booked]
    assert (
        "1 booked session(s) of Carol Chen now fall outside the working hours and stay booked, "
        "the first on Wednesday, March 4, 2026 at 10:00 AM. To cancel them, add time off over them."
        in _messages(response)
    )
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED


def test_the_working_hours_list_is_read_only_and_points_to_the_therapist(
    therapist: Therapist, admin_client: Client
) -> None:
    row = WorkingHours.objects.filter(therapist=therapist).first()
    assert row is not None
    assert admin_client.get(reverse("admin:therapists_workinghours_add")).status_code == 403
    assert admin_client.get(reverse("admin:therapists_workinghours_delete", args=[row.pk])).status_code == 403
    page = admin_client.get(reverse("admin:therapists_workinghours_change", args=[row.pk]))
    assert page.status_code == 200
    assert 'name="start"' not in page.content.decode()
    assert f'href="{_change_url(therapist)}"' in page.content.decode()
    posted = admin_client.post(
        reverse("admin:therapists_workinghours_change", args=[row.pk]),
        {"therapist": therapist.pk, "weekday": 0, "start": "06:00", "end": "07:00"},
    )
    assert posted.status_code == 403
    assert WorkingHours.objects.get(pk=row.pk).start == time(9)


# --- Time off -----------------------------------------------------------------------------

WEDNESDAY = {"start": "2026-03-04T09:00", "end": "2026-03-04T17:00", "reason": "Course"}


def test_time_off_rows_are_read_only_on_the_therapist_page_which_links_to_adding_it(
    therapist: Therapist, admin_client: Client, clock: Any
) -> None:
    TimeOffFactory(therapist=therapist, start=at(20, 9), end=at(20, 17))
    page = admin_client.get(_change_url(therapist)).content.decode()
    assert 'name="time_off-0-start' not in page
    assert f'href="{_time_off_url(therapist)}">Add time off</a>' in page
    assert admin_client.get(reverse("admin:therapists_timeoff_add")).status_code == 403


def test_time_off_over_a_booked_session_asks_first_and_creates_nothing(
    booked: Appointment, therapist: Therapist, admin_client: Client
) -> None:
    response = admin_client.post(_time_off_url(therapist), WEDNESDAY)
    assert response.status_code == 409
    assert response.context["conflicts"] == [booked]
    page = response.content.decode()
    assert "This time off covers 1 booked session" in page
    assert "What should happen to these sessions?" in page
    assert "Keep these sessions" in page and "Cancel these sessions and notify the patients" in page
    assert f'name="acknowledged" value="{booked.pk}"' in page
    assert not TimeOff.objects.exists()
    assert not Event.objects.filter(kind=Kind.TIME_OFF_ADDED).exists()


def test_the_admin_and_the_portal_ask_about_the_same_sessions(
    clock: Any,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    massage_type: MassageType,
    admin_client: Client,
) -> None:
    first = book_session(patient, therapist, massage_type, at(4, 10))
    second = book_session(other_patient, therapist, massage_type, at(4, 14))
    book_session(patient, therapist, massage_type, at(5, 10))  # the next day: not covered
    cancelled = book_session(other_patient, therapist, massage_type, at(4, 15, 30))
    booking_services.cancel(appointment=cancelled, by=other_patient)
    portal = client_for(therapist.user).post(reverse("therapists:time_off"), WEDNESDAY)
    admin = admin_client.post(_time_off_url(therapist), WEDNESDAY)
    assert (portal.status_code, admin.status_code) == (409, 409)
    assert [a.pk for a in admin.context["conflicts"]] == [a.pk for a in portal.context["conflicts"]]
    assert [a.pk for a in admin.context["conflicts"]] == [first.pk, second.pk]
    assert admin.context["form"]["acknowledged"].value() == portal.context["form"]["acknowledged"].value()


def test_keeping_the_covered_session_adds_the_time_off_and_keeps_it(
    booked: Appointment, therapist: Therapist, admin_client: Client, admin_user: User
) -> None:
    data = {**WEDNESDAY, "on_conflict": "keep", "acknowledged": str(booked.pk)}
    response = admin_client.post(_time_off_url(therapist), data, follow=True)
    assert "Time off added for Carol Chen; 1 session(s) in it kept." in _messages(response)
    [entry] = TimeOff.objects.filter(therapist=therapist)
    assert (entry.start, entry.end, entry.reason) == (at(4, 9), at(4, 17), "Course")
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED
    assert not Notification.objects.filter(appointment=booked, kind=NotificationKind.CANCELLATION).exists()
    [event] = Event.objects.filter(kind=Kind.TIME_OFF_ADDED)
    assert event.actor == admin_user and "(1 session(s) kept)" in event.summary


def test_cancelling_the_covered_session_cancels_it_and_tells_the_patient(
    booked: Appointment, therapist: Therapist, admin_client: Client, admin_user: User
) -> None:
    data = {**WEDNESDAY, "on_conflict": "cancel", "acknowledged": str(booked.pk)}
    response = admin_client.post(_time_off_url(therapist), data, follow=True)
    assert "Time off added for Carol Chen; 1 session(s) cancelled and the patients notified." in _messages(response)
    assert TimeOff.objects.filter(therapist=therapist).count() == 1
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by) == (Status.CANCELLED, admin_user)
    [notice] = Notification.objects.filter(appointment=booked, kind=NotificationKind.CANCELLATION)
    assert (notice.recipient, notice.status) == ("alice@example.test", NotificationStatus.PENDING)
    assert Event.objects.get(kind=Kind.CANCELLED, appointment_id=booked.pk).actor == admin_user


def test_a_session_booked_after_the_question_is_asked_about_again(
    booked: Appointment, other_patient: User, therapist: Therapist, massage_type: MassageType, admin_client: Client
) -> None:
    later = book_session(other_patient, therapist, massage_type, at(4, 14))
    data = {**WEDNESDAY, "on_conflict": "cancel", "acknowledged": str(booked.pk)}  # shown only the first
    response = admin_client.post(_time_off_url(therapist), data)
    assert response.status_code == 409
    assert response.context["conflicts"] == [booked, later]
    assert not TimeOff.objects.exists()
    booked.refresh_from_db()
    assert booked.status == Status.CONFIRMED


def test_confirming_without_a_choice_asks_again_and_says_why(
    booked: Appointment, therapist: Therapist, admin_client: Client
) -> None:
    response = admin_client.post(_time_off_url(therapist), {**WEDNESDAY, "acknowledged": str(booked.pk)})
    assert response.status_code == 409
    assert "Choose whether to keep or cancel these sessions." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_time_off_that_is_over_is_refused_on_the_form(therapist: Therapist, admin_client: Client, clock: Any) -> None:
    response = admin_client.post(_time_off_url(therapist), {"start": "2026-03-01T09:00", "end": "2026-03-01T17:00"})
    assert response.status_code == 400
    assert "The end must be in the future." in response.content.decode()
    assert not TimeOff.objects.exists()


def test_the_front_desk_views_schedules_but_cannot_add_or_remove_time_off(
    therapist: Therapist, front_desk_client: Client, clock: Any
) -> None:
    entry = TimeOffFactory(therapist=therapist, start=at(20, 9), end=at(20, 17))
    page = front_desk_client.get(_change_url(therapist))
    assert page.status_code == 200
    assert "Add time off" not in page.content.decode()
    listing = front_desk_client.get(reverse("admin:therapists_timeoff_changelist"))
    assert listing.status_code == 200
    assert "remove_selected" not in listing.content.decode()
    assert front_desk_client.get(_time_off_url(therapist)).status_code == 403
    assert front_desk_client.post(_time_off_url(therapist), WEDNESDAY).status_code == 403
    remove = reverse("admin:therapists_therapist_remove_time_off", args=[therapist.pk, entry.pk])
    assert front_desk_client.post(remove).status_code == 403
    front_desk_client.post(
        reverse("admin:therapists_timeoff_changelist"),
        {"action": "remove_selected", "_selected_action": [entry.pk], "index": 0},
    )
    assert TimeOff.objects.filter(pk=entry.pk).exists()
    assert not Event.objects.filter(kind__in=[Kind.TIME_OFF_ADDED, Kind.TIME_OFF_REMOVED]).exists()


def test_the_removal_action_removes_through_the_service(
    therapist: Therapist, other_therapist: Therapist, admin_client: Client, admin_user: User, clock: Any
) -> None:
    first = TimeOffFactory(therapist=therapist, start=at(20, 9), end=at(20, 17))
    second = TimeOffFactory(therapist=other_therapist, start=at(21, 9), end=at(21, 17))
    kept = TimeOffFactory(therapist=therapist, start=at(22, 9), end=at(22, 17))
    response = admin_client.post(
        reverse("admin:therapists_timeoff_changelist"),
        {"action": "remove_selected", "_selected_action": [first.pk, second.pk], "index": 0},
        follow=True,
    )
    assert "2 time off range(s) removed; those hours are bookable again." in _messages(response)
    assert list(TimeOff.objects.values_list("pk", flat=True)) == [kept.pk]
    events = Event.objects.filter(kind=Kind.TIME_OFF_REMOVED)
    assert {(e.therapist_id, e.actor_id) for e in events} == {
        (therapist.pk, admin_user.pk),
        (other_therapist.pk, admin_user.pk),
    }


def test_the_remove_button_on_the_time_off_page_removes_through_the_service(
    therapist: Therapist, admin_client: Client, admin_user: User, clock: Any
) -> None:
    entry = TimeOffFactory(therapist=therapist, start=at(20, 9), end=at(20, 17))
    page = admin_client.get(_time_off_url(therapist))
    remove = reverse("admin:therapists_therapist_remove_time_off", args=[therapist.pk, entry.pk])
    assert page.status_code == 200 and f'action="{remove}"' in page.content.decode()
    assert admin_client.get(remove).status_code == 405
    assert admin_client.post(remove).status_code == 302
    assert not TimeOff.objects.exists()
    assert Event.objects.get(kind=Kind.TIME_OFF_REMOVED).actor == admin_user


def test_time_off_of_another_therapist_is_not_removed_through_this_one(
    therapist: Therapist, other_therapist: Therapist, admin_client: Client, clock: Any
) -> None:
    entry = TimeOffFactory(therapist=other_therapist, start=at(20, 9), end=at(20, 17))
    remove = reverse("admin:therapists_therapist_remove_time_off", args=[therapist.pk, entry.pk])
    assert admin_client.post(remove).status_code == 404
    assert TimeOff.objects.filter(pk=entry.pk).exists()


def test_the_time_off_list_offers_no_edit_in_place(therapist: Therapist, admin_client: Client, clock: Any) -> None:
    entry = TimeOffFactory(therapist=therapist, start=at(20, 9), end=at(20, 17))
    page = admin_client.get(reverse("admin:therapists_timeoff_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="start' not in page.content.decode()
    assert admin_client.get(reverse("admin:therapists_timeoff_delete", args=[entry.pk])).status_code == 403


# --- Resending a confirmation ----------------------------------------------------------------

APPOINTMENTS = reverse("admin:booking_appointment_changelist")


def test_the_resend_action_resends_through_the_service(
    booked: Appointment, admin_client: Client, admin_user: User
) -> None:
    response = admin_client.post(
        APPOINTMENTS, {"action": "resend_confirmation", "_selected_action": [booked.pk], "index": 0}, follow=True
    )
    assert "1 appointment(s) given a new confirmation to send." in _messages(response)
    [resend] = Notification.objects.filter(appointment=booked, kind=NotificationKind.CONFIRMATION_RESEND)
    assert (resend.recipient, resend.status) == ("alice@example.test", NotificationStatus.PENDING)
    [event] = Event.objects.filter(kind=Kind.CONFIRMATION_RESENT, appointment_id=booked.pk)
    assert event.actor == admin_user


def test_the_resend_action_refuses_a_cancelled_appointment(
    booked: Appointment, admin_client: Client, admin_user: User
) -> None:
    booking_services.cancel(appointment=booked, by=admin_user)
    response = admin_client.post(
        APPOINTMENTS, {"action": "resend_confirmation", "_selected_action": [booked.pk], "index": 0}, follow=True
    )
    assert any("Only a confirmed, upcoming appointment has a confirmation to resend." in m for m in _messages(response))
    assert not Notification.objects.filter(appointment=booked, kind=NotificationKind.CONFIRMATION_RESEND).exists()
    assert not Event.objects.filter(kind=Kind.CONFIRMATION_RESENT).exists()


def test_a_patient_cannot_resend_a_confirmation(booked: Appointment, patient: User) -> None:
    from booking.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        records.resend_confirmation(appointment=booked, by=patient)
    assert not Event.objects.filter(kind=Kind.CONFIRMATION_RESENT).exists()
