"""Appointments through the API: the patient's whole journey, and every refusal in the one error shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking import policy, services
from booking.models import Appointment, Status
from tests.api.conftest import error_of, token_client
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory

APPOINTMENTS = "/api/v1/appointments/"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CLINIC_ZONE)


def booking(massage_type, therapist, start: datetime | str, **extra) -> dict:
    start = start if isinstance(start, str) else start.isoformat()
    return {"massage_type": massage_type.pk, "therapist": therapist.pk, "start": start, **extra}


def book_directly(patient, therapist, massage_type, start: datetime) -> Appointment:
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


# --- The journey -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_patient_books_reschedules_and_cancels_end_to_end(api, clock, therapist, massage_type):
    registered = api.post(
        "/api/v1/auth/register/",
        {
            "email": "fay@example.test",
            "password": "sore-shoulders-2026",
            "first_name": "Fay",
            "last_name": "Fox",
            "phone": "+1 617 555 0123",
        },
        format="json",
    )
    assert registered.status_code == 202  # the same answer for a known address: no token here
    token = api.post(
        "/api/v1/auth/token/", {"email": "fay@example.test", "password": "sore-shoulders-2026"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    massage = next(m for m in api.get("/api/v1/massage-types/").json() if m["slug"] == "deep-tissue")
    carol = api.get(f"/api/v1/therapists/?massage_type={massage['id']}").json()[0]
    slots = api.get(
        "/api/v1/availability/",
        {"massage_type": massage["id"], "date_from": "2026-03-04", "date_to": "2026-03-04", "therapist": carol["id"]},
    ).json()["slots"]
    assert slots[0]["start"] == "2026-03-04T09:00:00-05:00"

    created = api.post(
        APPOINTMENTS,
        {
            "massage_type": massage["id"],
            "therapist": carol["id"],
            "start": slots[0]["start"],
            "focus_areas": "lower back",
            "pain_level": 6,
            "pressure": "medium",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    appointment = created.json()
    assert appointment["status"] == "confirmed"
    assert appointment["start"] == "2026-03-04T09:00:00-05:00"
    assert appointment["end"] == "2026-03-04T10:00:00-05:00"
    assert appointment["massage_type"] == {"id": massage["id"], "name": "Deep tissue"}
    assert appointment["therapist"] == {"id": carol["id"], "display_name": "Carol Chen"}
    assert appointment["price"] == "90.00"
    assert appointment["can_change"] is True
    assert appointment["change_deadline"] == "2026-03-03T09:00:00-05:00"
    assert appointment["change_policy_reason"] == ""

    listed = api.get(APPOINTMENTS).json()
    assert [a["id"] for a in listed["results"]] == [appointment["id"]]
    detail = api.get(f"{APPOINTMENTS}{appointment['id']}/").json()
    assert detail == appointment

    free_again = api.get(
        "/api/v1/availability/", {"massage_type": massage["id"], "date_from": "2026-03-04", "date_to": "2026-03-04"}
    ).json()["slots"]
    assert slots[0]["start"] not in [slot["start"] for slot in free_again]

    moved = api.post(
        f"{APPOINTMENTS}{appointment['id']}/reschedule/", {"start": "2026-03-05T14:00:00-05:00"}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    assert moved.json()["start"] == "2026-03-05T14:00:00-05:00"

    cancelled = api.post(f"{APPOINTMENTS}{appointment['id']}/cancel/", {"reason": "Back feels better"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "Back feels better"
    assert cancelled.json()["can_change"] is False
    assert cancelled.json()["change_deadline"] is None
    stored = Appointment.objects.get(pk=appointment["id"])
    assert (stored.status, stored.sequence, stored.start) == (Status.CANCELLED, 1, at(5, 14))


@pytest.mark.django_db
def test_a_booking_at_nine_after_spring_forward_is_stored_in_utc_and_shown_at_nine(
    alice, clock, therapist, massage_type
):
    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, "2026-03-09T09:00:00-04:00"), format="json")

    assert response.status_code == 201, response.json()
    stored = Appointment.objects.get()
    assert stored.start == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert response.json()["start"] == "2026-03-09T09:00:00-04:00"
    assert alice.get(f"{APPOINTMENTS}{stored.pk}/").json()["start"] == "2026-03-09T09:00:00-04:00"


@pytest.mark.django_db
def test_a_booking_at_nine_after_fall_back_is_stored_in_utc_and_shown_at_nine(alice, clock, therapist, massage_type):
    clock.move_to(at(26, 8, month=10))

    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, "2026-11-02T09:00:00-05:00"), format="json")

    assert response.status_code == 201, response.json()
    assert Appointment.objects.get().start == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert response.json()["start"] == "2026-11-02T09:00:00-05:00"


@pytest.mark.django_db
def test_a_start_given_in_utc_is_shown_in_the_clinic_zone(alice, clock, therapist, massage_type):
    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, "2026-03-04T14:00:00Z"), format="json")

    assert response.json()["start"] == "2026-03-04T09:00:00-05:00"


@pytest.mark.django_db
def test_session_auth_works_for_the_site_pages(patient_client, clock, therapist, massage_type):
    response = patient_client.post(
        APPOINTMENTS, booking(massage_type, therapist, at(4, 10)), content_type="application/json"
    )

    assert response.status_code == 201


@pytest.mark.django_db
def test_booking_with_the_intake(alice, clock, therapist, massage_type, patient):
    response = alice.post(
        APPOINTMENTS,
        booking(
            massage_type,
            therapist,
            at(4, 10),
            focus_areas="left hip",
            pain_level=4,
            pressure="light",
            health_notes="Desk job.",
            red_flags=["leg_numbness"],
            provider_consulted=True,
        ),
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["focus_areas"], body["pain_level"], body["pressure"]) == ("left hip", 4, "light")
    assert (body["health_notes"], body["red_flags"], body["provider_consulted"]) == (
        "Desk job.",
        ["leg_numbness"],
        True,
    )


@pytest.mark.django_db
def test_the_intake_can_be_completed_before_the_session(alice, clock, therapist, massage_type, patient):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))

    response = alice.patch(f"{APPOINTMENTS}{appointment.pk}/", {"pain_level": 7, "pressure": "firm"}, format="json")

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert (appointment.pain_level, appointment.pressure, appointment.focus_areas) == (7, "firm", "")
    response = alice.patch(f"{APPOINTMENTS}{appointment.pk}/", {"focus_areas": "neck"}, format="json")
    appointment.refresh_from_db()
    assert (appointment.pain_level, appointment.focus_areas) == (7, "neck")


@pytest.mark.django_db
def test_the_intake_is_closed_once_the_session_starts(alice, clock, therapist, massage_type, patient):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))
    clock.move_to(at(4, 10, 1))

    response = alice.patch(f"{APPOINTMENTS}{appointment.pk}/", {"pain_level": 7}, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "invalid_status"


# --- The list --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_holds_only_the_callers_appointments(alice, clock, therapist, massage_type, patient, other_patient):
    mine = book_directly(patient, therapist, massage_type, at(4, 10))
    book_directly(other_patient, therapist, massage_type, at(4, 14))

    body = alice.get(APPOINTMENTS).json()

    assert body["count"] == 1
    assert [a["id"] for a in body["results"]] == [mine.pk]


@pytest.mark.django_db
def test_the_list_filters_by_status_and_upcoming(alice, clock, therapist, massage_type, patient):
    past = book_directly(patient, therapist, massage_type, at(3, 10))
    upcoming = book_directly(patient, therapist, massage_type, at(5, 10))
    cancelled = book_directly(patient, therapist, massage_type, at(6, 10))
    services.cancel(appointment=cancelled, by=patient)
    clock.move_to(at(4, 8))

    def ids(query: str) -> list[int]:
        return [a["id"] for a in alice.get(f"{APPOINTMENTS}?{query}").json()["results"]]

    assert ids("") == [past.pk, upcoming.pk, cancelled.pk]
    assert ids("status=cancelled") == [cancelled.pk]
    assert ids("status=confirmed") == [past.pk, upcoming.pk]
    assert ids("upcoming=true") == [upcoming.pk, cancelled.pk]
    assert ids("upcoming=false") == [past.pk]
    assert ids("upcoming=true&status=confirmed") == [upcoming.pk]
    response = alice.get(f"{APPOINTMENTS}?status=lost")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"status"}


@pytest.mark.django_db
def test_the_list_reads_with_a_fixed_number_of_queries(clock, therapist, other_therapist, massage_type):
    patient = UserFactory()
    client = token_client(patient)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(APPOINTMENTS).status_code == 200
        return len(queries)

    staff = UserFactory(is_staff=True)
    days = iter(range(4, 31))
    for _ in range(5):
        services.book(
            patient=patient, therapist=therapist, massage_type=massage_type, start=at(next(days), 10), by=staff
        )
    five = count()
    for day in days:
        services.book(
            patient=patient, therapist=other_therapist, massage_type=massage_type, start=at(day, 15), by=staff
        )
    for day in range(1, 4):
        services.book(
            patient=patient, therapist=other_therapist, massage_type=massage_type, start=at(day, 15, month=4), by=staff
        )

    assert client.get(APPOINTMENTS).json()["count"] == 30
    assert count() == five <= 5


# --- 401 and 403 -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"), [("get", APPOINTMENTS), ("post", APPOINTMENTS), ("get", f"{APPOINTMENTS}1/")]
)
def test_appointments_need_a_signed_in_caller(api, method, path):
    response = getattr(api, method)(path, {}, format="json") if method == "post" else api.get(path)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_a_wrong_token_is_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api.get(APPOINTMENTS)

    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.django_db
def test_a_session_post_without_the_csrf_token_is_a_403(clock, patient, therapist, massage_type):
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)

    response = client.post(APPOINTMENTS, booking(massage_type, therapist, at(4, 10)), content_type="application/json")

    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Appointment.objects.exists()


# --- 404: another patient's appointment ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"pain_level": 1}),
        ("post", "cancel/", {}),
        ("post", "reschedule/", {"start": "2026-03-05T10:00:00-05:00"}),
    ],
    ids=["read", "change intake", "cancel", "reschedule"],
)
def test_another_patients_appointment_is_not_found(
    bob, clock, therapist, massage_type, patient, method, suffix, payload
):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))
    before = Appointment.objects.filter(pk=appointment.pk).values().get()

    call = getattr(bob, method)
    url = f"{APPOINTMENTS}{appointment.pk}/{suffix}"
    response = call(url) if payload is None else call(url, payload, format="json")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert Appointment.objects.filter(pk=appointment.pk).values().get() == before


@pytest.mark.django_db
def test_an_unknown_appointment_is_not_found(alice):
    response = alice.get(f"{APPOINTMENTS}999999/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- 409: the slot and the policies ----------------------------------------------------


@pytest.mark.django_db
def test_a_taken_slot_is_a_409(alice, clock, therapist, massage_type, other_patient):
    book_directly(other_patient, therapist, massage_type, at(4, 10))

    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, at(4, 10, 30)), format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "slot_taken"


@pytest.mark.django_db
def test_a_slot_off_the_schedule_is_a_409(alice, clock, therapist, massage_type):
    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, at(4, 12, 15)), format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "slot_unavailable"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "code"),
    [(at(2, 9, 30), "notice_too_short"), (at(2, 10, month=5), "beyond_horizon")],
    ids=["too soon", "too far ahead"],
)
def test_a_start_outside_the_booking_window_is_a_409(alice, clock, therapist, massage_type, start, code):
    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, start), format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == code


@pytest.mark.django_db
def test_a_fifth_appointment_is_a_409(alice, clock, therapist, massage_type, patient):
    for day in range(4, 8):
        book_directly(patient, therapist, massage_type, at(day, 10))

    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, at(9, 10)), format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "too_many_appointments"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("suffix", "payload"), [("cancel/", {}), ("reschedule/", {"start": "2026-03-06T10:00:00-05:00"})]
)
def test_changing_inside_the_cancellation_window_is_a_409(
    alice, clock, therapist, massage_type, patient, suffix, payload
):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))
    clock.move_to(at(3, 12))

    response = alice.post(f"{APPOINTMENTS}{appointment.pk}/{suffix}", payload, format="json")

    assert response.status_code == 409
    assert error_of(response)["code"] == "cancellation_too_late"
    shown = alice.get(f"{APPOINTMENTS}{appointment.pk}/").json()
    assert (shown["can_change"], shown["change_deadline"]) == (False, None)


@pytest.mark.django_db
def test_a_reschedule_into_a_taken_slot_is_a_409_and_keeps_the_booking(
    alice, clock, therapist, massage_type, patient, other_patient
):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))
    book_directly(other_patient, therapist, massage_type, at(5, 10))

    response = alice.post(
        f"{APPOINTMENTS}{appointment.pk}/reschedule/", {"start": at(5, 10).isoformat()}, format="json"
    )

    assert response.status_code == 409
    assert error_of(response)["code"] == "slot_taken"
    assert alice.get(f"{APPOINTMENTS}{appointment.pk}/").json()["start"] == "2026-03-04T10:00:00-05:00"


# --- 400 -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"start": "2026-03-01T10:00:00-05:00"}, {"start"}),
        ({"start": "next tuesday"}, {"start"}),
        ({"massage_type": 999999}, {"massage_type"}),
        ({"therapist": 999999}, {"therapist"}),
        ({"pain_level": 11}, {"pain_level"}),
        ({"pressure": "crushing"}, {"pressure"}),
        ({"red_flags": ["vertigo"]}, {"red_flags"}),
        ({"red_flags": ["fever"]}, {"provider_consulted"}),
    ],
    ids=[
        "start in the past",
        "start not a time",
        "unknown massage type",
        "unknown therapist",
        "pain level",
        "pressure",
        "unknown red flag",
        "red flag without provider",
    ],
)
def test_bad_bookings_are_field_errors(alice, clock, therapist, massage_type, changes, fields):
    response = alice.post(APPOINTMENTS, {**booking(massage_type, therapist, at(4, 10)), **changes}, format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_missing_booking_fields_are_each_named(alice):
    response = alice.post(APPOINTMENTS, {}, format="json")

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"massage_type", "therapist", "start"}


@pytest.mark.django_db
def test_malformed_json_is_a_400(alice):
    response = alice.post(APPOINTMENTS, '{"massage_type": 1,', content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.django_db
def test_put_and_delete_are_not_allowed(alice, clock, therapist, massage_type, patient):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))

    for response in (
        alice.put(f"{APPOINTMENTS}{appointment.pk}/", {}, format="json"),
        alice.delete(f"{APPOINTMENTS}{appointment.pk}/"),
    ):
        assert response.status_code == 405
        assert error_of(response)["code"] == "method_not_allowed"
    assert Appointment.objects.filter(pk=appointment.pk).exists()


# --- Read-only fields ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_client_cannot_set_read_only_fields_when_booking(
    alice, clock, therapist, massage_type, patient, other_patient
):
    response = alice.post(
        APPOINTMENTS,
        booking(
            massage_type,
            therapist,
            at(4, 10),
            patient=other_patient.pk,
            status="completed",
            price="0.00",
            end="2026-03-04T18:00:00-05:00",
            cancelled_at="2026-03-03T10:00:00-05:00",
            cancelled_by=other_patient.pk,
            sequence=7,
        ),
        format="json",
    )

    assert response.status_code == 201
    stored = Appointment.objects.get()
    assert stored.patient == patient
    assert stored.status == Status.CONFIRMED
    assert stored.price == massage_type.price
    assert stored.end == at(4, 11)
    assert (stored.cancelled_at, stored.cancelled_by, stored.sequence) == (None, None, 0)


@pytest.mark.django_db
def test_a_client_cannot_set_read_only_fields_when_patching(alice, clock, therapist, massage_type, patient):
    appointment = book_directly(patient, therapist, massage_type, at(4, 10))

    response = alice.patch(
        f"{APPOINTMENTS}{appointment.pk}/",
        {"status": "cancelled", "price": "1.00", "start": "2026-03-04T14:00:00-05:00", "therapist": 1, "pain_level": 2},
        format="json",
    )

    assert response.status_code == 200
    stored = Appointment.objects.get()
    assert (stored.status, stored.price, stored.start, stored.pain_level) == (
        Status.CONFIRMED,
        massage_type.price,
        at(4, 10),
        2,
    )


# --- 429 -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_booking_writes_are_throttled_but_reads_are_not(alice, clock, therapist, massage_type):
    for _ in range(30):
        assert alice.post(f"{APPOINTMENTS}999999/cancel/", {}, format="json").status_code == 404

    response = alice.post(APPOINTMENTS, booking(massage_type, therapist, at(4, 10)), format="json")

    assert response.status_code == 429
    assert error_of(response)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert not Appointment.objects.exists()
    assert alice.get(APPOINTMENTS).status_code == 200


@pytest.mark.django_db
def test_one_patients_throttle_does_not_stop_another(alice, bob, clock, therapist, massage_type):
    for _ in range(31):
        alice.post(f"{APPOINTMENTS}999999/cancel/", {}, format="json")

    response = bob.post(APPOINTMENTS, booking(massage_type, therapist, at(4, 10)), format="json")

    assert response.status_code == 201


def test_cancel_deadline_follows_the_setting(settings):
    settings.CANCELLATION_WINDOW = timedelta(hours=48)
    appointment = Appointment(start=at(10, 10), status=Status.CONFIRMED)

    assert policy.cancel_deadline(appointment) == at(8, 10)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start",
    [
        "2026-03-04T10:00:00",  # a wall-clock time alone
        "2026-11-01T01:30:00",  # happens twice on the fall-back night
        "2026-03-08T02:30:00",  # does not exist on the spring-forward night
        "9999-12-31T23:59:00",  # at the edge of the calendar
    ],
)
def test_a_start_without_its_offset_is_a_field_error_not_a_guess(alice, clock, therapist, massage_type, start):
    response = alice.post(
        APPOINTMENTS, {"massage_type": massage_type.pk, "therapist": therapist.pk, "start": start}, format="json"
    )

    assert response.status_code == 400
    assert "offset" in error_of(response)["fields"]["start"]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_start_at_the_edge_of_the_calendar_with_an_offset_is_a_400(alice, clock, therapist, massage_type):
    response = alice.post(
        APPOINTMENTS,
        {"massage_type": massage_type.pk, "therapist": therapist.pk, "start": "9999-12-31T23:59:00+00:00"},
        format="json",
    )

    assert 400 <= response.status_code < 500
    assert not Appointment.objects.exists()
