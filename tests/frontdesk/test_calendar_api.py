"""The calendar's JSON endpoints: the one error shape, and every change through the booking services."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from audit.models import Event
from booking import services
from booking.models import Appointment, MassageType, Notification, Status
from clinic.models import User
from locations.models import default_location
from tests.factories import MassageTypeFactory
from tests.frontdesk.conftest import at
from therapists.models import Therapist

API = "/admin/calendar/api/"


def post(client: Client, name: str, body: Any) -> Any:
    return client.post(f"{API}{name}/", json.dumps(body), content_type="application/json")


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.mark.parametrize("name", ["book", "move", "cancel", "mark"])
def test_changes_refuse_anonymous_callers_patients_and_therapists_in_the_error_shape(
    client: Client, patient_client: Client, therapist_client: Client, name: str
) -> None:
    assert error_of(post(client, name, {}))["code"] == "not_authenticated"
    assert post(client, name, {}).status_code == 401
    assert post(patient_client, name, {}).status_code == 403
    assert error_of(post(therapist_client, name, {}))["code"] == "permission_denied"


@pytest.mark.parametrize("name", ["patients", "options", "next-free"])
def test_lookups_refuse_staff_without_the_appointment_permissions(bare_staff_client: Client, name: str) -> None:
    response = bare_staff_client.get(f"{API}{name}/")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"


def test_a_body_that_is_not_json_is_refused(front_desk_client: Client) -> None:
    form = front_desk_client.post(f"{API}book/", {"therapist": "1"})
    broken = front_desk_client.post(f"{API}book/", "{not json", content_type="application/json")

    assert form.status_code == 415
    assert error_of(form)["code"] == "unsupported_media_type"
    assert broken.status_code == 400
    assert error_of(broken)["code"] == "malformed_json"


def test_the_patient_search_needs_two_characters(front_desk_client: Client) -> None:
    response = front_desk_client.get(f"{API}patients/?q=a")

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"q": "Type at least two characters."}


def test_the_patient_search_finds_by_name_email_or_phone_and_never_staff(
    front_desk_client: Client, patient: User, other_patient: User, front_desk: User
) -> None:
    other_patient.phone = "+16175550142"
    other_patient.save()

    def names(query: str) -> list[str]:
        return [row["name"] for row in front_desk_client.get(f"{API}patients/", {"q": query}).json()["patients"]]

    assert names("alice arch") == ["Alice Archer"]
    assert names("bob@example") == ["Bob Baker"]
    assert names("555 0142") == ["Bob Baker"]
    assert names("Fran") == []


def test_options_list_only_the_massages_the_therapist_offers_that_fit_the_free_time(
    clock, front_desk_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    long_one = MassageTypeFactory(name="Two hours", duration_minutes=120)
    therapist.massage_types.add(long_one)
    MassageTypeFactory(name="Not Carol's", duration_minutes=30)
    params = {"therapist": therapist.pk, "location": default_location().pk}

    before_lunch = front_desk_client.get(f"{API}options/", {**params, "start": at(11).isoformat()}).json()
    morning = front_desk_client.get(f"{API}options/", {**params, "start": at(9).isoformat()}).json()

    assert [t["name"] for t in before_lunch["massage_types"]] == ["Deep tissue"]
    assert [t["name"] for t in morning["massage_types"]] == ["Deep tissue", "Two hours"]


def test_options_say_which_field_is_wrong(front_desk_client: Client, therapist: Therapist) -> None:
    response = front_desk_client.get(f"{API}options/", {"therapist": therapist.pk, "location": 1, "start": "soon"})

    assert response.status_code == 400
    assert "start" in error_of(response)["fields"] or "location" in error_of(response)["fields"]


def test_the_front_desk_books_a_known_patient_by_phone(
    clock, front_desk_client: Client, front_desk: User, therapist: Therapist, patient: User, massage_type: MassageType
) -> None:
    response = post(
        front_desk_client,
        "book",
        {
            "therapist": therapist.pk,
            "massage_type": massage_type.pk,
            "location": default_location().pk,
            "start": at(10).isoformat(),
            "patient": patient.pk,
            "intake": {"focus_areas": "lower back", "pain_level": 6},
        },
    )

    assert response.status_code == 201
    appointment = Appointment.objects.get(pk=response.json()["appointment"]["id"])
    assert (appointment.patient, appointment.start, appointment.pain_level) == (patient, at(10), 6)
    assert Event.objects.for_appointment(appointment.pk).get().actor == front_desk
    assert response.json()["appointment"]["new_patient"] is True


def test_a_new_caller_is_booked_with_name_and_phone_only_and_no_password(
    clock, front_desk_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    response = post(
        front_desk_client,
        "book",
        {
            "therapist": therapist.pk,
            "massage_type": massage_type.pk,
            "location": default_location().pk,
            "start": at(10).isoformat(),
            "new_patient": {"first_name": "Nina", "last_name": "Novak", "phone": "617 555 0177"},
        },
    )

    assert response.status_code == 201
    caller = User.objects.get(first_name="Nina")
    assert (caller.phone, caller.has_usable_password(), caller.is_staff) == ("+16175550177", False, False)
    assert caller.email.endswith("@no-email.invalid")


def test_a_new_callers_bad_phone_is_refused_and_nothing_is_written(
    clock, front_desk_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    body = {
        "therapist": therapist.pk,
        "massage_type": massage_type.pk,
        "location": default_location().pk,
        "start": at(10).isoformat(),
        "new_patient": {"first_name": "Nina", "phone": "12"},
    }

    response = post(front_desk_client, "book", body)

    assert response.status_code == 400
    assert "phone" in error_of(response)["fields"]
    assert not User.objects.filter(first_name="Nina").exists()


def test_a_cell_taken_meanwhile_is_refused_with_the_nearest_free_times_and_no_new_caller_is_left(
    clock, front_desk_client: Client, therapist: Therapist, other_patient: User, massage_type: MassageType
) -> None:
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(10))

    response = post(
        front_desk_client,
        "book",
        {
            "therapist": therapist.pk,
            "massage_type": massage_type.pk,
            "location": default_location().pk,
            "start": at(10).isoformat(),
            "new_patient": {"first_name": "Nina", "phone": "617 555 0177"},
        },
    )

    assert response.status_code == 409
    error = error_of(response)
    assert error["code"] == "slot_taken"
    assert "Carol Chen already has Deep tissue with Bob Baker" in error["message"]
    assert "The nearest free times that day are 1:00 PM." in error["message"]
    assert not User.objects.filter(first_name="Nina").exists()


def test_a_move_into_a_taken_cell_is_explained_and_changes_nothing(
    clock,
    front_desk_client: Client,
    therapist: Therapist,
    patient: User,
    other_patient: User,
    massage_type: MassageType,
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))
    services.book(patient=other_patient, therapist=therapist, massage_type=massage_type, start=at(14))

    response = post(front_desk_client, "move", {"appointment": mine.pk, "start": at(14, 30).isoformat()})

    assert response.status_code == 409
    assert "Carol Chen already has Deep tissue with Bob Baker" in error_of(response)["message"]
    assert "nearest free times" in error_of(response)["message"]
    mine.refresh_from_db()
    assert mine.start == at(9)


def test_a_move_to_another_therapist_goes_through_the_reschedule_service(
    clock,
    front_desk_client: Client,
    therapist: Therapist,
    other_therapist: Therapist,
    patient: User,
    massage_type: MassageType,
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))

    response = post(
        front_desk_client,
        "move",
        {"appointment": mine.pk, "start": at(15).isoformat(), "therapist": other_therapist.pk},
    )

    assert response.status_code == 200
    mine.refresh_from_db()
    assert (mine.therapist, mine.start, mine.sequence) == (other_therapist, at(15), 1)


def test_cancel_needs_a_reason_and_records_it(
    clock, front_desk_client: Client, therapist: Therapist, patient: User, massage_type: MassageType
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))

    missing = post(front_desk_client, "cancel", {"appointment": mine.pk, "reason": " "})
    done = post(front_desk_client, "cancel", {"appointment": mine.pk, "reason": "Therapist ill", "notify": True})

    assert missing.status_code == 400
    assert error_of(missing)["fields"] == {"reason": "Say why the session is cancelled."}
    assert done.status_code == 200
    mine.refresh_from_db()
    assert (mine.status, mine.cancellation_reason) == (Status.CANCELLED, "Therapist ill")
    assert Notification.objects.filter(appointment=mine, kind="cancellation").exists()


def test_an_unknown_appointment_is_not_found(front_desk_client: Client) -> None:
    response = post(front_desk_client, "cancel", {"appointment": 999999, "reason": "x"})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_outcomes_are_recorded_once_the_session_has_started(
    clock, front_desk_client: Client, therapist: Therapist, patient: User, massage_type: MassageType
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))

    early = post(front_desk_client, "mark", {"appointment": mine.pk, "outcome": "completed"})
    clock.move_to(at(10))
    done = post(front_desk_client, "mark", {"appointment": mine.pk, "outcome": "no_show"})
    wrong = post(front_desk_client, "mark", {"appointment": mine.pk, "outcome": "late"})

    assert early.status_code == 409
    assert error_of(early)["code"] == "invalid_status"
    assert done.json()["appointment"]["status"] == "no_show"
    assert wrong.status_code == 400


def test_the_next_free_time_for_a_massage_with_anyone_or_one_therapist(
    clock,
    front_desk_client: Client,
    therapist: Therapist,
    other_therapist: Therapist,
    patient: User,
    massage_type: MassageType,
) -> None:
    location = default_location().pk
    services.book(patient=patient, therapist=other_therapist, massage_type=massage_type, start=at(10, day=2))

    anyone = front_desk_client.get(f"{API}next-free/", {"massage_type": massage_type.pk, "location": location}).json()
    dan = front_desk_client.get(
        f"{API}next-free/", {"massage_type": massage_type.pk, "location": location, "therapist": other_therapist.pk}
    ).json()

    assert (anyone["date"], anyone["time"], anyone["therapist"]) == ("2026-03-02", "9:00 AM", "Carol Chen")
    assert (dan["date"], dan["time"]) == ("2026-03-02", "11:15 AM")


def test_the_history_of_a_session_lists_who_did_what(
    clock, front_desk_client: Client, therapist: Therapist, patient: User, massage_type: MassageType
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))

    html = front_desk_client.get(f"/admin/calendar/sessions/{mine.pk}/history/").content.decode()

    assert "Booked" in html and "Alice Archer" in html
    assert front_desk_client.get("/admin/calendar/sessions/999999/history/").status_code == 404


def test_cancel_without_telling_the_patient_owes_them_no_notice(
    clock, front_desk_client: Client, therapist: Therapist, patient: User, massage_type: MassageType
) -> None:
    mine = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=at(9))

    done = post(front_desk_client, "cancel", {"appointment": mine.pk, "reason": "Told on the phone", "notify": False})

    assert done.status_code == 200
    mine.refresh_from_db()
    assert mine.status == Status.CANCELLED
    assert not Notification.objects.filter(appointment=mine, kind="cancellation").exists()
