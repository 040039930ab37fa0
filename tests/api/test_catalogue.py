"""The catalogue and the therapists, open to anyone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import error_of
from tests.factories import MassageTypeFactory, TherapistFactory


@pytest.mark.django_db
def test_anyone_reads_the_active_catalogue(api, massage_type):
    MassageTypeFactory(name="Retired", slug="retired", is_active=False)

    response = api.get("/api/v1/massage-types/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": massage_type.pk,
            "slug": "deep-tissue",
            "name": "Deep tissue",
            "description": "A full-back session.",
            "good_for": ["chronic low back pain", "stiffness"],
            "duration_minutes": 60,
            "buffer_minutes": 15,
            "price": "90.00",
        }
    ]


@pytest.mark.django_db
def test_one_massage_type_and_an_inactive_one_is_not_found(api, massage_type):
    retired = MassageTypeFactory(is_active=False)

    assert api.get(f"/api/v1/massage-types/{massage_type.pk}/").json()["slug"] == "deep-tissue"
    response = api.get(f"/api/v1/massage-types/{retired.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_anyone_reads_the_active_therapists(api, therapist, other_therapist, massage_type):
    TherapistFactory(display_name="Gone", is_active=False, massage_types=[massage_type])
    retired = MassageTypeFactory(is_active=False)
    therapist.massage_types.add(retired)

    response = api.get("/api/v1/therapists/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "id": therapist.pk,
            "display_name": "Carol Chen",
            "bio": "Licensed massage therapist.",
            "massage_types": [massage_type.pk],
        },
        {
            "id": other_therapist.pk,
            "display_name": "Dan Diaz",
            "bio": "Licensed massage therapist.",
            "massage_types": [massage_type.pk],
        },
    ]


@pytest.mark.django_db
def test_therapists_filtered_by_massage_type(api, therapist, other_therapist, massage_type):
    hot_stones = MassageTypeFactory(name="Hot stones", slug="hot-stones")
    other_therapist.massage_types.add(hot_stones)

    response = api.get(f"/api/v1/therapists/?massage_type={hot_stones.pk}")

    assert [t["id"] for t in response.json()] == [other_therapist.pk]
    assert [t["id"] for t in api.get(f"/api/v1/therapists/?massage_type={massage_type.pk}").json()] == [
        therapist.pk,
        other_therapist.pk,
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["999999", "abc"])
def test_an_unknown_massage_type_filter_is_a_field_error(api, therapist, value):
    response = api.get(f"/api/v1/therapists/?massage_type={value}")

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"massage_type"}


@pytest.mark.django_db
def test_one_therapist_and_an_inactive_one_is_not_found(api, therapist):
    gone = TherapistFactory(is_active=False)

    assert api.get(f"/api/v1/therapists/{therapist.pk}/").json()["display_name"] == "Carol Chen"
    assert api.get(f"/api/v1/therapists/{gone.pk}/").status_code == 404


@pytest.mark.django_db
def test_the_therapist_list_reads_with_a_fixed_number_of_queries(api, massage_type):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/therapists/").status_code == 200
        return len(queries)

    TherapistFactory(massage_types=[massage_type])
    few = count()
    for _ in range(10):
        TherapistFactory(massage_types=[massage_type, MassageTypeFactory()])

    assert count() == few <= 3


@pytest.mark.django_db
def test_the_catalogue_cannot_be_written(api, admin_user, massage_type):
    api.force_authenticate(admin_user)

    response = api.post("/api/v1/massage-types/", {"name": "Free"}, format="json")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
