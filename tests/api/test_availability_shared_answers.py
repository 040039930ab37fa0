"""An availability answer worked out by one web process is served by the others through Redis (booking.api.answers).

Each test stands in for a second process by emptying this process's memory of answers
(`answers.forget_here`): what is left to serve the answer is the shared cache.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from booking import services
from booking.api import answers
from booking.models import MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from therapists.models import Therapist

AVAILABILITY = "/api/v1/availability/"
WEDNESDAY = {"date_from": "2026-03-04", "date_to": "2026-03-04"}


@pytest.fixture
def redis_cache(settings: Any) -> None:
    """The configured cache is Redis, under a prefix of this test's own (other runs share the server)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }


def ask(client: Client, massage_type: MassageType) -> tuple[Any, int]:
    """The answer and how many statements it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(AVAILABILITY, {"massage_type": str(massage_type.pk), **WEDNESDAY})
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.django_db
def test_another_process_serves_the_answer_from_redis_for_one_query(
    clock, redis_cache: None, therapist: Therapist, massage_type: MassageType
) -> None:
    answers.forget_here()
    first, worked_out = ask(Client(), massage_type)
    answers.forget_here()  # another process: nothing of this one's memory

    second, served = ask(Client(), massage_type)

    assert worked_out > 1
    assert served == 1  # the stamps behind the tag; the answer came from Redis
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert first.json()["slots"]


@pytest.mark.django_db
def test_a_booking_made_anywhere_changes_the_tag_so_no_process_serves_the_old_answer(
    clock, redis_cache: None, therapist: Therapist, massage_type: MassageType, patient: User
) -> None:
    answers.forget_here()
    before, _ = ask(Client(), massage_type)
    booked = datetime(2026, 3, 4, 9, tzinfo=CLINIC_ZONE)
    services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=booked)
    answers.forget_here()

    after, worked_out = ask(Client(), massage_type)

    assert worked_out > 1
    assert after["ETag"] != before["ETag"]
    assert booked.isoformat() in [slot["start"] for slot in before.json()["slots"]]
    assert booked.isoformat() not in [slot["start"] for slot in after.json()["slots"]]


@pytest.mark.django_db
def test_with_the_database_cache_each_process_works_the_answer_out_itself(
    clock, settings: Any, therapist: Therapist, massage_type: MassageType
) -> None:
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    answers.forget_here()
    first, _ = ask(Client(), massage_type)
    answers.forget_here()

    with CaptureQueriesContext(connection) as queries:
        second, worked_out = ask(Client(), massage_type)

    assert second.content == first.content
    assert worked_out > 1
    assert not [query for query in queries.captured_queries if "clinic_cache" in query["sql"]]


@pytest.mark.django_db
def test_the_shared_keys_name_the_database_so_a_copy_of_it_never_serves_its_answers(redis_cache: None) -> None:
    # A copy (a restore, a staging database) reaches the same tags with other sessions; the
    # object id PostgreSQL gives each database it creates tells them apart.
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        (oid,) = cursor.fetchone()

    assert answers._key('W/"abc"').endswith(f':{connection.settings_dict["NAME"]}:{oid}:W/"abc"')
