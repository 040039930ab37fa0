"""GET /api/v1/availability/: which days are worked (`days`), and a reschedule ignoring its own slot (`ignoring`)."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import services
from tests.conftest import CLINIC_ZONE
from tests.factories import TherapistFactory, TimeOffFactory, weekly_hours

URL = "/api/v1/availability/"
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}  # Monday to Sunday


def openings(response) -> dict[str, bool]:
    assert response.status_code == 200, response.content
    return {day["date"]: day["open"] for day in response.json()["days"]}


@pytest.fixture
def weekday_therapist(massage_type):
    """Erin works Monday to Friday, 09:00-17:00."""
    erin = TherapistFactory(display_name="Erin Ellis", massage_types=[massage_type])
    weekly_hours(erin, days=range(5))
    return erin


@pytest.mark.django_db
def test_days_list_every_date_of_the_range_and_the_weekend_is_closed(api, clock, weekday_therapist, massage_type):
    response = api.get(URL, {"massage_type": massage_type.pk, **WEEK})

    assert list(openings(response).items()) == [
        ("2026-03-02", True),
        ("2026-03-03", True),
        ("2026-03-04", True),
        ("2026-03-05", True),
        ("2026-03-06", True),
        ("2026-03-07", False),
        ("2026-03-08", False),
    ]
    assert response.json()["slots"], "the slots are still there"


@pytest.mark.django_db
def test_a_day_of_time_off_is_closed(api, clock, weekday_therapist, massage_type):
    TimeOffFactory(
        therapist=weekday_therapist,
        start=datetime(2026, 3, 4, 0, 0, tzinfo=CLINIC_ZONE),
        end=datetime(2026, 3, 5, 0, 0, tzinfo=CLINIC_ZONE),
    )

    days = openings(api.get(URL, {"massage_type": massage_type.pk, **WEEK}))

    assert days["2026-03-04"] is False
    assert days["2026-03-03"] is True and days["2026-03-05"] is True


@pytest.mark.django_db
def test_a_worked_day_with_every_time_taken_is_open_not_closed(api, clock, patient, massage_type):
    short_day = TherapistFactory(massage_types=[massage_type])
    weekly_hours(short_day, start=time(9), end=time(10), days=[3])  # Thursdays 09:00-10:00 only
    thursday_9 = datetime(2026, 3, 5, 9, tzinfo=CLINIC_ZONE)
    services.book(patient=patient, therapist=short_day, massage_type=massage_type, start=thursday_9)

    response = api.get(URL, {"massage_type": massage_type.pk, "date_from": "2026-03-05", "date_to": "2026-03-05"})

    assert response.json()["slots"] == []
    assert openings(response) == {"2026-03-05": True}


@pytest.mark.django_db
def test_days_follow_the_therapist_asked_for(api, clock, therapist, weekday_therapist, massage_type):
    any_one = openings(api.get(URL, {"massage_type": massage_type.pk, **WEEK}))
    erin_only = openings(api.get(URL, {"massage_type": massage_type.pk, **WEEK, "therapist": weekday_therapist.pk}))

    assert any_one["2026-03-07"] is True  # Carol works every day
    assert erin_only["2026-03-07"] is False


@pytest.mark.django_db
def test_nobody_offering_the_massage_closes_every_day(api, clock, massage_type):
    days = openings(api.get(URL, {"massage_type": massage_type.pk, **WEEK}))

    assert len(days) == 7 and not any(days.values())


@pytest.mark.django_db
def test_days_at_the_edge_of_the_calendar_are_closed_not_a_500(api, clock, therapist, massage_type):
    days = openings(api.get(URL, {"massage_type": massage_type.pk, "date_from": "9999-12-01", "date_to": "9999-12-31"}))

    assert len(days) == 31
    assert days["9999-12-01"] is True  # Carol's hours say she works; only the last instants cannot be named
    assert days["9999-12-31"] is False


@pytest.mark.django_db
def test_days_keep_the_number_of_queries_fixed(api, clock, massage_type):
    def count(date_to: str, **extra) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(
                URL, {"massage_type": massage_type.pk, "date_from": "2026-03-02", "date_to": date_to, **extra}
            )
            assert response.status_code == 200 and response.json()["days"]
        return len(queries)

    first = TherapistFactory(massage_types=[massage_type])
    weekly_hours(first, days=range(5))
    one_therapist_one_day = count("2026-03-02")
    for number in range(9):
        other = TherapistFactory(massage_types=[massage_type])
        weekly_hours(other, days=range(number % 7, 7))
        TimeOffFactory(
            therapist=other,
            start=datetime(2026, 3, 10 + number, 9, tzinfo=CLINIC_ZONE),
            end=datetime(2026, 3, 10 + number, 17, tzinfo=CLINIC_ZONE),
        )

    # Four reads of the engine's slots plus two of the worked days, whatever the size of the answer.
    assert one_therapist_one_day <= 8
    assert count("2026-03-02") == one_therapist_one_day
    assert count("2026-03-31") == one_therapist_one_day
    assert count("2026-03-31", therapist=first.pk) <= one_therapist_one_day + 2


# --- ignoring: a reschedule may overlap its own old slot -------------------------------------

TUESDAY = {"date_from": "2026-03-03", "date_to": "2026-03-03"}


def starts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [slot["start"] for slot in response.json()["slots"]]


@pytest.fixture
def booked(patient, therapist, massage_type):
    """Alice holds Carol on Tuesday at 10:00 (60 minutes and a 15-minute buffer)."""
    tuesday_10 = datetime(2026, 3, 3, 10, tzinfo=CLINIC_ZONE)
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=tuesday_10)


@pytest.mark.django_db
def test_ignoring_their_own_appointment_offers_the_times_that_overlap_it(alice, clock, booked, therapist, massage_type):
    query = {"massage_type": massage_type.pk, **TUESDAY, "therapist": therapist.pk}

    plain = starts(alice.get(URL, query))
    ignoring = starts(alice.get(URL, {**query, "ignoring": booked.pk}))

    assert "2026-03-03T10:30:00-05:00" not in plain
    assert "2026-03-03T10:30:00-05:00" in ignoring
    assert "2026-03-03T10:00:00-05:00" in ignoring


@pytest.mark.django_db
def test_ignoring_works_with_the_session_of_the_pages(client, patient, clock, booked, therapist, massage_type):
    client.force_login(patient)

    query = {"massage_type": massage_type.pk, **TUESDAY, "therapist": therapist.pk, "ignoring": booked.pk}
    response = client.get(URL, query)

    assert "2026-03-03T10:30:00-05:00" in starts(response)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_ignoring_someone_elses_appointment_is_404(bob, clock, booked, therapist, massage_type):
    response = bob.get(URL, {"massage_type": massage_type.pk, **TUESDAY, "ignoring": booked.pk})

    assert response.status_code == 404
    assert set(response.json()) == {"error"}


@pytest.mark.django_db
def test_ignoring_without_signing_in_is_404(api, clock, booked, therapist, massage_type):
    response = api.get(URL, {"massage_type": massage_type.pk, **TUESDAY, "ignoring": booked.pk})

    assert response.status_code == 404


@pytest.mark.django_db
def test_ignoring_an_unknown_appointment_is_404_and_a_non_number_a_field_error(alice, clock, booked, massage_type):
    assert alice.get(URL, {"massage_type": massage_type.pk, **TUESDAY, "ignoring": booked.pk + 1000}).status_code == 404
    response = alice.get(URL, {"massage_type": massage_type.pk, **TUESDAY, "ignoring": "soon"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"ignoring"}


@pytest.mark.django_db
def test_the_schema_documents_days_and_ignoring(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/availability/"]["get"]
    assert "ignoring" in {parameter["name"] for parameter in operation["parameters"]}
    assert "404" in operation["responses"]
    answer = schema["components"]["schemas"]["Availability"]
    assert "days" in answer["properties"]
    assert set(schema["components"]["schemas"]["DayOpening"]["properties"]) == {"date", "open"}
