"""Fuzz the REST API against its own OpenAPI schema, in-process through WSGI, on PostgreSQL.

Schemathesis generates valid and invalid requests for every operation of /api/schema/
(examples, coverage and fuzzing phases) and sends them through Django's WSGI handler as a
signed-in patient and as a signed-in therapist. Every answer must be no server error, carry
a documented status code and content type, and match the documented body. A third pass
sends every request without credentials (and with a forged token): each operation that
the schema says needs sign-in must answer 401.

Generated integer ids are pointed at seeded objects (Alice's and Bob's appointments,
Carol's time off, the catalogue) and booking bodies at slots in the booking window, so
the generated requests reach the services, not only the 404 and 400 branches.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from booking import services
from booking.models import MassageType, Status
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import AppointmentFactory, MassageTypeFactory, TimeOffFactory
from therapists.models import Therapist

APP = get_wsgi_application()
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", APP)
# Sign-in is checked before anything else, so examples and random fuzzing are enough there.
STRANGER_SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", APP)
STRANGER_SCHEMA.config.phases.update(phases=["examples", "fuzzing"])
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# Wednesday and Thursday after the pinned Monday 08:00: inside the notice and the horizon.
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
THU_14 = datetime(2026, 3, 5, 14, 0, tzinfo=CLINIC_ZONE)
SUN_10 = datetime(2026, 3, 1, 10, 0, tzinfo=CLINIC_ZONE)


# An id no seeded object has: some requests must still meet "absent".
ABSENT_ID = 987654321
# Body and query fields that name an object, by its kind.
ID_FIELDS = {"massage_type": "massage_type", "therapist": "therapist"}


@dataclass
class KnownIds:
    """Ids of the seeded objects, by kind."""

    by_kind: dict[str, list[int]] = field(default_factory=dict)

    def kind_of(self, path: str) -> str | None:
        for prefix, kind in (
            ("/api/v1/appointments/", "appointment"),
            ("/api/v1/therapist/sessions/", "appointment"),
            ("/api/v1/therapist/time-off/", "time_off"),
            ("/api/v1/massage-types/", "massage_type"),
            ("/api/v1/therapists/", "therapist"),
        ):
            if path.startswith(prefix):
                return kind
        return None

    def pick(self, kind: str, generated: Any) -> Any:
        """Return a seeded id (or the absent one) in place of a generated integer; leave anything else."""
        if isinstance(generated, bool) or not str(generated).lstrip("-").isdigit() or kind not in self.by_kind:
            return generated
        ids = [*self.by_kind[kind], ABSENT_ID]
        return ids[int(generated) % len(ids)]


KNOWN = KnownIds()


def before_call(context: schemathesis.HookContext, case: schemathesis.Case, kwargs: dict[str, Any]) -> None:
    """Point generated integer ids at the seeded objects, so requests reach the services, not only 404 and 400.

    Done at call time because the coverage phase's cases are built before any test data exists.
    Malformed ids (text, fractions, slashes) are left as generated.
    """
    kind = KNOWN.kind_of(case.operation.path)
    if kind and case.path_parameters and "id" in case.path_parameters:
        case.path_parameters["id"] = KNOWN.pick(kind, case.path_parameters["id"])
    for container in (case.body, case.query):
        if isinstance(container, dict):
            for name, field_kind in ID_FIELDS.items():
                if name in container:
                    container[name] = KNOWN.pick(field_kind, container[name])


def flatmap_body(context: schemathesis.HookContext, body: Any) -> Any:
    """Aim some generated bookings and reschedules at free or taken slots within the booking window."""
    if not isinstance(body, dict) or context.operation is None or context.operation.method.upper() != "POST":
        return st.just(body)
    if context.operation.path not in {"/api/v1/appointments/", "/api/v1/appointments/{id}/reschedule/"}:
        return st.just(body)
    starts = [WED_10.isoformat(), THU_14.isoformat(), (THU_14 + timedelta(minutes=7)).isoformat()]
    return st.one_of(st.just(body), st.sampled_from(starts).map(lambda start: {**body, "start": start}))


# Schemathesis takes before_call hooks only globally; with no seeded ids it changes nothing.
schemathesis.hook(before_call)
for _schema in (SCHEMA, STRANGER_SCHEMA):
    _schema.hook(flatmap_body)


@dataclass
class World:
    patient_token: str
    therapist_token: str


@pytest.fixture
def in_process_wsgi() -> Iterator[None]:
    """Keep the test's database connection open across WSGI requests, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(
    clock: object,
    in_process_wsgi: None,
    patient: User,
    other_patient: User,
    therapist: Therapist,
    other_therapist: Therapist,
    massage_type: MassageType,
) -> Iterator[World]:
    """A small clinic: two massages, Carol and Dan with hours, bookings past and future, a time off."""
    swedish = MassageTypeFactory.create(name="Swedish", slug="swedish", duration_minutes=30)
    therapist.massage_types.add(swedish)
    upcoming = services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=WED_10)
    past = AppointmentFactory.create(patient=patient, therapist=therapist, massage_type=massage_type, start=SUN_10)
    cancelled = AppointmentFactory.create(
        patient=patient, therapist=therapist, massage_type=swedish, start=THU_14, status=Status.CANCELLED
    )
    bobs = services.book(patient=other_patient, therapist=other_therapist, massage_type=massage_type, start=THU_14)
    time_off = TimeOffFactory.create(
        therapist=therapist,
        start=datetime(2026, 3, 6, 9, tzinfo=CLINIC_ZONE),
        end=datetime(2026, 3, 6, 17, tzinfo=CLINIC_ZONE),
    )
    KNOWN.by_kind = {
        "appointment": [upcoming.pk, past.pk, cancelled.pk, bobs.pk],
        "time_off": [time_off.pk],
        "massage_type": [massage_type.pk, swedish.pk],
        "therapist": [therapist.pk, other_therapist.pk],
    }
    cache.clear()
    yield World(
        patient_token=AuthToken.objects.create(user=patient)[1],
        therapist_token=AuthToken.objects.create(user=therapist.user)[1],
    )
    KNOWN.by_kind = {}
    cache.clear()


def _call(case: schemathesis.Case, headers: dict[str, str]) -> Any:
    # Throttle counters live in the cache; fuzzing is not the place to meet them.
    cache.clear()
    # Schemathesis offers gzip as a browser does, but nothing on the WSGI path decodes it (an
    # HTTP client would): ask for the plain body, which the checks read.
    return case.call_and_validate(headers={"Accept-Encoding": "identity", **headers}, checks=CHECKS)


@pytest.mark.django_db
@SCHEMA.parametrize()
@FUZZ
def test_api_keeps_its_schema_for_a_signed_in_patient(case: schemathesis.Case, world: World) -> None:
    _call(case, {"Authorization": f"Token {world.patient_token}"})


@pytest.mark.django_db
@SCHEMA.parametrize()
@FUZZ
def test_api_keeps_its_schema_for_a_signed_in_therapist(case: schemathesis.Case, world: World) -> None:
    _call(case, {"Authorization": f"Token {world.therapist_token}"})


@pytest.mark.django_db
@STRANGER_SCHEMA.parametrize()
@settings(FUZZ, max_examples=10)
@pytest.mark.parametrize("credentials", [None, "Token not-a-real-token-0000000000000000000000"], ids=["none", "forged"])
def test_protected_operations_refuse_callers_without_a_valid_token(
    case: schemathesis.Case, world: World, credentials: str | None
) -> None:
    headers = {"Authorization": credentials} if credentials else {}
    response = _call(case, headers)
    try:
        resolve(urlsplit(response.request.url).path)
    except Resolver404:
        return  # an id that no route matches (a slash, a dot, letters for <int:pk>) is a plain 404
    if case.operation.definition.raw.get("security"):
        assert response.status_code == 401, f"{case.operation.label} answered {response.status_code} to a stranger"
