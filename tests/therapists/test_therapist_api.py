"""The therapist portal's API under /api/v1/therapist/: permissions, schedule, hours, time off, outcome, notes."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from booking.availability import find_slots
from booking.models import Status
from locations.models import default_location
from therapists.models import SessionNoteRevision, TimeOff, WorkingHours

from .portal_setup import RED_FLAG_INTAKE, ZONE, at, book_session

pytestmark = pytest.mark.django_db

BASE = "/api/v1/therapist"
TUESDAY = date(2026, 3, 3)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def slot_times(therapist, massage_type) -> list[str]:
    return [f"{s.start.astimezone(ZONE):%H:%M}" for s in find_slots(massage_type, TUESDAY, TUESDAY, [therapist])]


ENDPOINTS = [
    ("get", "/schedule/"),
    ("get", "/working-hours/"),
    ("put", "/working-hours/"),
    ("get", "/time-off/"),
    ("post", "/time-off/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_patients_get_permission_denied(method, path, patient) -> None:
    response = getattr(api_for(patient), method)(BASE + path, {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_anonymous_callers_are_refused(method, path, therapist) -> None:
    response = getattr(APIClient(), method)(BASE + path, {}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_token_authentication_works_for_therapists(therapist, clock) -> None:
    from knox.models import AuthToken

    _, token = AuthToken.objects.create(user=therapist.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"{BASE}/schedule/").status_code == 200


def test_schedule_lists_my_sessions_with_the_intake(therapist, other_therapist, patient, massage_type, clock) -> None:
    mine = book_session(patient, therapist, massage_type, at(3, 10), RED_FLAG_INTAKE)
    book_session(patient, other_therapist, massage_type, at(3, 14))
    response = api_for(therapist.user).get(f"{BASE}/schedule/", {"date_from": "2026-03-03", "date_to": "2026-03-03"})
    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "America/New_York"
    assert [s["id"] for s in body["sessions"]] == [mine.pk]
    session = body["sessions"][0]
    assert session["start"] == "2026-03-03T10:00:00-05:00"
    assert session["status"] == "confirmed"
    assert session["patient"] == {"first_name": "Alice", "last_name": "Archer", "phone": "+16175550100"}
    assert session["massage_type"]["name"] == "Deep tissue"
    assert session["intake"] == {
        "focus_areas": "Lower back, left hip",
        "pain_level": 7,
        "pressure": "firm",
        "health_notes": "Herniated disc L4-L5 in 2024.",
        "red_flags": [{"key": "leg_numbness", "label": "Numbness, tingling or weakness in the legs"}],
        "provider_consulted": True,
    }
    assert session["has_note"] is False


def test_schedule_defaults_to_the_coming_week_and_checks_the_range(therapist, patient, massage_type, clock) -> None:
    book_session(patient, therapist, massage_type, at(8, 10))
    book_session(patient, therapist, massage_type, at(9, 10))
    client = api_for(therapist.user)
    body = client.get(f"{BASE}/schedule/").json()
    assert (body["date_from"], body["date_to"]) == ("2026-03-02", "2026-03-08")
    assert len(body["sessions"]) == 1
    backwards = client.get(f"{BASE}/schedule/", {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert backwards.status_code == 400
    assert "date_to" in backwards.json()["error"]["fields"]
    assert client.get(f"{BASE}/schedule/", {"date_from": "2026-03-01", "date_to": "2026-06-01"}).status_code == 400
    assert client.get(f"{BASE}/schedule/", {"date_from": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/schedule/", {"date_from": "9999-12-31"}).status_code == 400


def test_working_hours_get_and_replace(therapist, massage_type, clock) -> None:
    client = api_for(therapist.user)
    body = client.get(f"{BASE}/working-hours/").json()
    assert body["time_zone"] == "America/New_York"
    assert len(body["spans"]) == 14
    first = default_location()
    assert body["spans"][0] == {
        "weekday": 0,
        "start": "09:00:00",
        "end": "12:00:00",
        "location": {"id": first.pk, "name": first.name, "time_zone": "America/New_York"},
    }
    spans = [{"weekday": 1, "start": "09:00", "end": "11:00"}, {"weekday": 1, "start": "14:00", "end": "16:00"}]
    response = client.put(f"{BASE}/working-hours/", {"spans": spans}, format="json")
    assert response.status_code == 200
    assert len(response.json()["spans"]) == 2
    assert WorkingHours.objects.filter(therapist=therapist).count() == 2
    tuesday = slot_times(therapist, massage_type)
    assert "10:00" in tuesday and "11:00" not in tuesday and "15:00" in tuesday


@pytest.mark.parametrize(
    "spans",
    [
        [{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 1, "start": "11:30", "end": "15:00"}],
        [{"weekday": 1, "start": "15:00", "end": "09:00"}],
        [{"weekday": 9, "start": "09:00", "end": "10:00"}],
        [{"weekday": 1, "start": "09:00", "end": "24:30"}],
    ],
)
def test_invalid_working_hours_answer_400_and_change_nothing(therapist, spans, clock) -> None:
    response = api_for(therapist.user).put(f"{BASE}/working-hours/", {"spans": spans}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]
    assert WorkingHours.objects.filter(therapist=therapist).count() == 14


def test_time_off_add_list_and_remove(therapist, massage_type, clock) -> None:
    client = api_for(therapist.user)
    payload = {"start": "2026-03-03T09:00:00-05:00", "end": "2026-03-03T13:00:00-05:00", "reason": "Course"}
    response = client.post(f"{BASE}/time-off/", payload, format="json")
    assert response.status_code == 201
    created = response.json()["time_off"]
    assert slot_times(therapist, massage_type)[0] == "13:00"
    listed = client.get(f"{BASE}/time-off/").json()
    assert [entry["id"] for entry in listed] == [created["id"]]
    assert client.delete(f"{BASE}/time-off/{created['id']}/").status_code == 204
    assert slot_times(therapist, massage_type)[0] == "09:00"


def test_time_off_conflict_answers_409_with_the_sessions(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    payload = {"start": "2026-03-03T09:00:00-05:00", "end": "2026-03-03T17:00:00-05:00"}
    response = api_for(therapist.user).post(f"{BASE}/time-off/", payload, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "time_off_conflict"
    assert [c["id"] for c in error["conflicts"]] == [session.pk]
    assert "on_conflict" in error["fields"]
    assert not TimeOff.objects.exists()


def test_time_off_conflict_cancel_cancels_through_the_service(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    payload = {
        "start": "2026-03-03T09:00:00-05:00",
        "end": "2026-03-03T17:00:00-05:00",
        "on_conflict": "cancel",
        "acknowledged": [session.pk],
    }
    response = api_for(therapist.user).post(f"{BASE}/time-off/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["cancelled"] == [session.pk]
    session.refresh_from_db()
    assert session.status == Status.CANCELLED
    assert session.cancelled_by == therapist.user


def test_time_off_conflict_keep_keeps_the_sessions(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(3, 10))
    payload = {
        "start": "2026-03-03T09:00:00-05:00",
        "end": "2026-03-03T17:00:00-05:00",
        "on_conflict": "keep",
        "acknowledged": [session.pk],
    }
    response = api_for(therapist.user).post(f"{BASE}/time-off/", payload, format="json")
    assert response.status_code == 201
    assert response.json()["kept"] == [session.pk]
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_time_off_validation(therapist, clock) -> None:
    client = api_for(therapist.user)
    backwards = {"start": "2026-03-03T13:00:00-05:00", "end": "2026-03-03T09:00:00-05:00"}
    response = client.post(f"{BASE}/time-off/", backwards, format="json")
    assert response.status_code == 400
    assert "end" in response.json()["error"]["fields"]
    assert client.post(f"{BASE}/time-off/", {"start": "soon"}, format="json").status_code == 400
    assert not TimeOff.objects.exists()


def test_another_therapists_time_off_is_not_found(therapist, other_therapist, clock) -> None:
    entry = TimeOff.objects.create(therapist=therapist, start=at(3, 0), end=at(4, 0))
    response = api_for(other_therapist.user).delete(f"{BASE}/time-off/{entry.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert TimeOff.objects.filter(pk=entry.pk).exists()
    assert api_for(other_therapist.user).get(f"{BASE}/time-off/").json() == []


def test_complete_and_no_show_wait_for_the_start(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    client = api_for(therapist.user)
    early = client.post(f"{BASE}/sessions/{session.pk}/complete/")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "invalid_status"
    clock.move_to(at(2, 11, 5))
    done = client.post(f"{BASE}/sessions/{session.pk}/complete/")
    assert done.status_code == 200
    assert done.json()["status"] == "completed"
    missed = client.post(f"{BASE}/sessions/{session.pk}/no-show/")
    assert missed.status_code == 200
    assert missed.json()["status"] == "no_show"


def test_another_therapists_session_is_not_found(therapist, other_therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    client = api_for(other_therapist.user)
    for method, path in [
        ("post", "complete/"),
        ("post", "no-show/"),
        ("get", "notes/"),
        ("put", "notes/"),
    ]:
        response = getattr(client, method)(f"{BASE}/sessions/{session.pk}/{path}", {"plan": "x"}, format="json")
        assert response.status_code == 404, path
    session.refresh_from_db()
    assert session.status == Status.CONFIRMED


def test_patients_cannot_mark_or_read_notes(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    client = api_for(patient)
    assert client.post(f"{BASE}/sessions/{session.pk}/complete/").status_code == 403
    assert client.get(f"{BASE}/sessions/{session.pk}/notes/").status_code == 403


def test_notes_put_keeps_every_revision(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    client = api_for(therapist.user)
    url = f"{BASE}/sessions/{session.pk}/notes/"
    empty = client.get(url).json()
    assert empty["revision"] == 0 and empty["revisions"] == []
    first = client.put(url, {"subjective": "Tight", "pain_after": 4, "revision": 0}, format="json")
    assert first.status_code == 200
    second = client.put(url, {"subjective": "Tight", "plan": "Stretch", "pain_after": 3, "revision": 1}, format="json")
    body = second.json()
    assert body["revision"] == 2
    assert body["plan"] == "Stretch"
    assert [(r["number"], r["plan"], r["pain_after"]) for r in body["revisions"]] == [(2, "Stretch", 3), (1, "", 4)]
    assert body["revisions"][0]["author"] == "carol@example.test"
    assert client.get(url).json() == body
    schedule = client.get(f"{BASE}/schedule/", {"date_from": "2026-03-02", "date_to": "2026-03-02"}).json()
    assert schedule["sessions"][0]["has_note"] is True


def test_notes_put_refuses_a_stale_revision_and_bad_input(therapist, patient, massage_type, clock) -> None:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    client = api_for(therapist.user)
    url = f"{BASE}/sessions/{session.pk}/notes/"
    early = client.put(url, {"plan": "Early"}, format="json")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "invalid_status"
    clock.move_to(at(2, 11, 5))
    client.put(url, {"plan": "First"}, format="json")
    stale = client.put(url, {"plan": "Old", "revision": 0}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "note_changed"
    bad = client.put(url, {"pain_after": 11}, format="json")
    assert bad.status_code == 400
    assert "pain_after" in bad.json()["error"]["fields"]
    assert SessionNoteRevision.objects.count() == 1


def test_every_portal_endpoint_is_in_the_openapi_schema(admin_client) -> None:
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/therapist/schedule/": {"get"},
        "/api/v1/therapist/working-hours/": {"get", "put"},
        "/api/v1/therapist/time-off/": {"get", "post"},
        "/api/v1/therapist/time-off/{id}/": {"delete"},
        "/api/v1/therapist/sessions/{id}/complete/": {"post"},
        "/api/v1/therapist/sessions/{id}/no-show/": {"post"},
        "/api/v1/therapist/sessions/{id}/notes/": {"get", "put"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), path
        for method in methods:
            assert paths[path][method]["tags"] == ["therapist portal"]
            assert "403" in paths[path][method]["responses"]
