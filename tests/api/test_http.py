"""HTTP done right: JSON bodies only, gzip where it is safe, ETags and 304s on the public reads, strict filters."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from booking import services
from booking.models import MassageType
from clinic.models import User
from tests.api.conftest import error_of
from tests.conftest import CLINIC_ZONE
from tests.factories import MassageTypeFactory, TherapistFactory

APPOINTMENTS = "/api/v1/appointments/"
AVAILABILITY = "/api/v1/availability/"
GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate"}


def horizon_query(massage_type: MassageType) -> dict[str, str]:
    """Return the availability query of the whole booking horizon from the pinned today."""
    today = date(2026, 3, 2)
    last = today + settings.BOOKING_HORIZON
    return {"massage_type": str(massage_type.pk), "date_from": today.isoformat(), "date_to": last.isoformat()}


def body_of(response) -> bytes:
    """Return the response body as the server meant it, uncompressed when it was sent gzipped."""
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


@pytest.fixture
def booked(patient: User, therapist, massage_type, clock):
    return services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
    )


# --- JSON only --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=BoUnDaRy"]
)
def test_a_form_body_is_refused_with_415_in_the_error_shape(content_type: str) -> None:
    body = (
        "email=fay%40example.test&password=sore-shoulders-2026&first_name=Fay&last_name=Fox"
        if content_type.startswith("application/x-www")
        else '--BoUnDaRy\r\nContent-Disposition: form-data; name="email"\r\n\r\nfay@example.test\r\n--BoUnDaRy--\r\n'
    )

    response = Client().post("/api/v1/auth/register/", body, content_type=content_type)

    assert response.status_code == 415
    error = error_of(response)
    assert error["code"] == "unsupported_media_type"
    assert "JSON" in error["message"]
    assert not User.objects.filter(email="fay@example.test").exists()


@pytest.mark.django_db
def test_an_intake_change_sent_as_multipart_is_refused_and_changes_nothing(alice, booked) -> None:
    response = alice.patch(f"{APPOINTMENTS}{booked.pk}/", {"pain_level": 3}, format="multipart")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"
    booked.refresh_from_db()
    assert booked.pain_level is None


@pytest.mark.django_db
def test_an_intake_change_sent_as_json_with_no_pain_level_is_accepted(alice, booked) -> None:
    response = alice.patch(f"{APPOINTMENTS}{booked.pk}/", {"pain_level": None, "focus_areas": "neck"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["pain_level"] is None


@pytest.mark.django_db
def test_the_schema_offers_every_request_body_as_json_only(tmp_path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]

    bodies = {
        f"{method.upper()} {path}": set(operation["requestBody"]["content"])
        for path, operations in paths.items()
        for method, operation in operations.items()
        if isinstance(operation, dict) and "requestBody" in operation
    }

    assert "PATCH /api/v1/appointments/{id}/" in bodies
    assert {name: types for name, types in bodies.items() if types != {"application/json"}} == {}


# --- Compression ------------------------------------------------------------------------


@pytest.mark.django_db
def test_availability_across_the_horizon_goes_out_gzipped(clock, therapist, other_therapist, massage_type) -> None:
    client = Client()
    plain = client.get(AVAILABILITY, horizon_query(massage_type))
    zipped = client.get(AVAILABILITY, horizon_query(massage_type), **GZIP)

    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert int(zipped["Content-Length"]) == len(zipped.content)
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert len(plain.json()["slots"]) > 1000
    print(f"availability across the horizon: {len(plain.content)} bytes, gzipped {len(zipped.content)} bytes")
    assert len(zipped.content) * 8 < len(plain.content)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/massage-types/", "/api/v1/therapists/"])
def test_the_catalogue_and_the_therapists_go_out_gzipped(path: str, massage_type) -> None:
    MassageTypeFactory.create_batch(3)
    TherapistFactory.create_batch(4, massage_types=[massage_type])

    response = Client().get(path, **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.content))


@pytest.mark.django_db
def test_a_token_clients_appointments_go_out_gzipped_and_stay_uncacheable(alice, booked) -> None:
    response = alice.get(APPOINTMENTS, **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert [a["id"] for a in json.loads(gzip.decompress(response.content))["results"]] == [booked.pk]
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_sites_own_private_answers_are_not_compressed(patient_client, booked) -> None:
    """A cross-site navigation would carry the session cookie: its private answers go out as they are (BREACH)."""
    response = patient_client.get(APPOINTMENTS, **GZIP)

    assert response.status_code == 200
    assert "Content-Encoding" not in response
    assert response.json()["results"][0]["id"] == booked.pk


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/massages/", "/accounts/login/", "/accounts/signup/"])
def test_html_pages_are_never_compressed(path: str, client: Client, massage_type) -> None:
    response = client.get(path, **GZIP)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Encoding" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/book/", "/appointments/"])
def test_a_signed_in_page_with_a_csrf_token_is_never_compressed(path: str, patient_client, booked) -> None:
    response = patient_client.get(path, **GZIP)

    assert response.status_code == 200
    assert len(response.content) > 1000
    assert "Content-Encoding" not in response


# --- Validators -------------------------------------------------------------------------


def _open_reads(massage_type: MassageType) -> list[tuple[str, dict[str, str]]]:
    return [
        ("/api/v1/massage-types/", {}),
        ("/api/v1/therapists/", {}),
        ("/api/v1/therapists/", {"massage_type": str(massage_type.pk)}),
        (AVAILABILITY, horizon_query(massage_type)),
    ]


@pytest.mark.django_db
def test_the_open_reads_answer_304_to_their_own_etag(clock, therapist, other_therapist, massage_type) -> None:
    client = Client()
    for path, query in _open_reads(massage_type):
        first = client.get(path, query)
        etag = first["ETag"]
        assert etag.startswith('W/"'), (path, etag)

        again = client.get(path, query, HTTP_IF_NONE_MATCH=etag)

        assert again.status_code == 304, path
        assert again.content == b""
        assert again["ETag"] == etag


@pytest.mark.django_db
def test_the_etag_names_the_json_whether_or_not_it_was_gzipped(clock, therapist, other_therapist, massage_type) -> None:
    client = Client()
    plain = client.get(AVAILABILITY, horizon_query(massage_type))
    zipped = client.get(AVAILABILITY, horizon_query(massage_type), **GZIP)

    assert zipped["Content-Encoding"] == "gzip"
    assert plain["ETag"] == zipped["ETag"]
    # Either copy revalidates the other: a cache holding the gzipped answer asks with its tag.
    assert client.get(AVAILABILITY, horizon_query(massage_type), HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304
    not_modified = client.get(AVAILABILITY, horizon_query(massage_type), HTTP_IF_NONE_MATCH=plain["ETag"], **GZIP)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == zipped["ETag"]
    assert not_modified["Vary"] == zipped["Vary"]


@pytest.mark.django_db
def test_a_booking_changes_the_availability_etag(clock, therapist, massage_type, patient) -> None:
    client = Client()
    query = {"massage_type": str(massage_type.pk), "date_from": "2026-03-04", "date_to": "2026-03-04"}
    before = client.get(AVAILABILITY, query)

    services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE),
    )
    after = client.get(AVAILABILITY, query, HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert len(after.json()["slots"]) < len(before.json()["slots"])


@pytest.mark.django_db
def test_a_new_massage_type_changes_the_catalogue_etag(massage_type) -> None:
    client = Client()
    before = client.get("/api/v1/massage-types/")

    MassageTypeFactory(name="Hot stone", slug="hot-stone")
    after = client.get("/api/v1/massage-types/", HTTP_IF_NONE_MATCH=before["ETag"])

    assert after.status_code == 200
    assert "hot-stone" in {m["slug"] for m in after.json()}


@pytest.mark.django_db
def test_open_reads_are_revalidated_rather_than_stored_blindly(massage_type) -> None:
    response = Client().get("/api/v1/massage-types/")

    assert "no-cache" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]


@pytest.mark.django_db
def test_answers_about_a_signed_in_person_carry_no_etag_and_are_never_stored(alice, patient_client, booked) -> None:
    for client in (alice, patient_client):
        for path in (APPOINTMENTS, f"{APPOINTMENTS}{booked.pk}/"):
            response = client.get(path, HTTP_IF_NONE_MATCH="*")

            assert response.status_code == 200, path
            assert "ETag" not in response
            assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_an_error_answer_is_not_tagged(massage_type) -> None:
    response = Client().get(AVAILABILITY, {"massage_type": str(massage_type.pk)})

    assert response.status_code == 400
    assert "ETag" not in response


# --- The upcoming filter ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["banana", "yes", "2", "TRUE!"])
def test_a_bad_upcoming_value_is_a_400_naming_the_field(alice, booked, value: str) -> None:
    response = alice.get(APPOINTMENTS, {"upcoming": value})

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {"upcoming": "Must be true or false."}


@pytest.mark.django_db
def test_upcoming_true_and_false_split_the_appointments(alice, patient, therapist, massage_type, clock, booked) -> None:
    clock.move_to(datetime(2026, 3, 4, 9, 30, tzinfo=CLINIC_ZONE))  # the booked session has started
    later = services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 5, 14, tzinfo=CLINIC_ZONE),
    )

    def ids(value: str) -> list[int]:
        response = alice.get(APPOINTMENTS, {"upcoming": value} if value else {})
        assert response.status_code == 200, response.json()
        return [a["id"] for a in response.json()["results"]]

    assert ids("true") == ids("1") == ids("True") == [later.pk]
    assert ids("false") == ids("0") == [booked.pk]
    assert ids("") == [booked.pk, later.pk]


@pytest.mark.django_db
def test_the_schema_documents_upcoming_as_a_boolean(tmp_path) -> None:
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    operation = yaml.safe_load(target.read_text())["paths"][APPOINTMENTS]["get"]

    upcoming = next(p for p in operation["parameters"] if p["name"] == "upcoming")

    assert upcoming["schema"] == {"type": "boolean"}
    assert upcoming["description"]
    assert "400" in operation["responses"]
