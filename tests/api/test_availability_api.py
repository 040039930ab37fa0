"""GET /api/v1/availability/: free slots for anyone, in the clinic's zone, with clear 400s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from locations.models import default_location
from tests.api.conftest import error_of
from tests.factories import MassageTypeFactory, TherapistFactory, weekly_hours

URL = "/api/v1/availability/"


@pytest.mark.django_db
def test_anyone_browses_the_free_slots_in_the_clinic_zone(api, clock, therapist, massage_type):
    response = api.get(URL, {"massage_type": massage_type.pk, "date_from": "2026-03-06", "date_to": "2026-03-06"})

    assert response.status_code == 200
    body = response.json()
    assert body["time_zone"] == "America/New_York"
    assert body["slots"][0] == {
        "start": "2026-03-06T09:00:00-05:00",
        "end": "2026-03-06T10:00:00-05:00",
        "therapist": therapist.pk,
        "location": default_location().pk,
    }
    assert len(body["slots"]) == 22


@pytest.mark.django_db
def test_slots_after_spring_forward_carry_the_summer_offset(api, clock, therapist, massage_type):
    response = api.get(URL, {"massage_type": massage_type.pk, "date_from": "2026-03-06", "date_to": "2026-03-09"})

    starts = [slot["start"] for slot in response.json()["slots"]]
    assert "2026-03-06T09:00:00-05:00" in starts
    assert "2026-03-08T09:00:00-04:00" in starts
    assert "2026-03-09T09:00:00-04:00" in starts
    assert not any(start.startswith("2026-03-09T08") for start in starts)


@pytest.mark.django_db
def test_slots_after_fall_back_carry_the_winter_offset(api, clock, therapist, massage_type):
    clock.move_to("2026-10-26T12:00:00Z")

    response = api.get(URL, {"massage_type": massage_type.pk, "date_from": "2026-10-30", "date_to": "2026-11-02"})

    starts = [slot["start"] for slot in response.json()["slots"]]
    assert starts[0] == "2026-10-30T09:00:00-04:00"
    assert "2026-11-02T09:00:00-05:00" in starts


@pytest.mark.django_db
def test_slots_of_one_therapist(api, clock, therapist, other_therapist, massage_type):
    response = api.get(
        URL,
        {
            "massage_type": massage_type.pk,
            "date_from": "2026-03-04",
            "date_to": "2026-03-04",
            "therapist": other_therapist.pk,
        },
    )

    assert {slot["therapist"] for slot in response.json()["slots"]} == {other_therapist.pk}


@pytest.mark.django_db
def test_a_range_of_62_days_is_allowed(api, clock, therapist, massage_type):
    response = api.get(URL, {"massage_type": massage_type.pk, "date_from": "2026-03-02", "date_to": "2026-05-02"})

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({}, {"massage_type", "date_from", "date_to"}),
        ({"date_from": "2026-02-30"}, {"date_from"}),
        ({"date_from": "tomorrow"}, {"date_from"}),
        ({"date_to": "2026-03-01"}, {"date_to"}),
        ({"date_to": "2026-05-03"}, {"date_to"}),
        ({"massage_type": "999999"}, {"massage_type"}),
        ({"massage_type": "deep"}, {"massage_type"}),
        ({"therapist": "999999"}, {"therapist"}),
    ],
    ids=[
        "nothing",
        "no such date",
        "not a date",
        "date_to before date_from",
        "63 days",
        "unknown massage type",
        "massage type not an id",
        "unknown therapist",
    ],
)
def test_bad_queries_are_field_errors(api, clock, therapist, massage_type, params, fields):
    query = {"massage_type": massage_type.pk, "date_from": "2026-03-02", "date_to": "2026-03-04"} if params else {}
    query.update(params)

    response = api.get(URL, query)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields


@pytest.mark.django_db
def test_inactive_or_unrelated_ids_are_field_errors(api, clock, therapist, massage_type):
    retired = MassageTypeFactory(is_active=False)
    gone = TherapistFactory(is_active=False, massage_types=[massage_type])
    stranger = TherapistFactory(massage_types=[])
    base = {"massage_type": massage_type.pk, "date_from": "2026-03-02", "date_to": "2026-03-04"}

    for params, field in [
        ({"massage_type": retired.pk}, "massage_type"),
        ({"therapist": gone.pk}, "therapist"),
        ({"therapist": stranger.pk}, "therapist"),
    ]:
        response = api.get(URL, {**base, **params})
        assert response.status_code == 400
        assert set(error_of(response)["fields"]) == {field}


@pytest.mark.django_db
def test_availability_reads_with_a_fixed_number_of_queries(api, clock, massage_type):
    def count(date_to: str, **extra) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get(
                URL, {"massage_type": massage_type.pk, "date_from": "2026-03-02", "date_to": date_to, **extra}
            )
            assert response.status_code == 200 and response.json()["slots"]
        return len(queries)

    first = TherapistFactory(massage_types=[massage_type])
    weekly_hours(first)
    one_therapist_one_day = count("2026-03-02")
    for _ in range(9):
        weekly_hours(TherapistFactory(massage_types=[massage_type]))

    # find_slots 4 (the hours with their locations' zones, which each slot's offset is
    # written in; time off; the rooms' free starts; the therapists' sessions), open_days 1,
    # the catalogue row, and the version stamps the ETag is made of (booking.stamps).
    assert count("2026-03-02") == one_therapist_one_day == 7
    assert count("2026-03-31") == one_therapist_one_day
    assert count("2026-03-31", therapist=first.pk) <= one_therapist_one_day + 2


@pytest.mark.django_db
def test_dates_at_the_edge_of_the_calendar_give_no_slots_not_a_500(api, clock, therapist, massage_type):
    response = api.get(
        "/api/v1/availability/",
        {"massage_type": massage_type.pk, "date_from": "9999-12-01", "date_to": "9999-12-31"},
    )

    assert response.status_code == 200
    assert response.json()["slots"] == []
