"""Faults: an unreachable database answers 503 and the service resumes by itself; /healthz tells."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client


class Outage:
    """Point the default connection at a port where nothing listens, and back."""

    def __init__(self) -> None:
        self.original = dict(connection.settings_dict)

    def start(self) -> None:
        connection.close()
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = "1"

    def end(self) -> None:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(self.original)


@pytest.fixture
def outage():
    outage = Outage()
    yield outage
    outage.end()


@pytest.fixture
def database_down(outage):
    outage.start()
    return outage


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_database_broker_and_migrations_ok():
    response = Client().get("/healthz")
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True
    assert response.status_code == 200
    assert body["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_when_the_broker_is_down(settings):
    from clinic.celery import app

    original = app.conf.broker_write_url
    app.conf["broker_write_url"] = "redis://127.0.0.1:1/0"
    try:
        response = Client().get("/healthz")
    finally:
        app.conf["broker_write_url"] = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_api_answers_503_in_the_error_shape_while_the_database_is_down(database_down):
    response = Client().get("/api/v1/massage-types/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["error"]["code"] == "service_unavailable"


@pytest.mark.django_db(transaction=True)
def test_healthz_answers_503_while_the_database_is_down(database_down):
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


@pytest.mark.django_db(transaction=True)
def test_pages_show_a_friendly_error_while_the_database_is_down(database_down):
    response = Client().get("/massages/")
    assert response.status_code == 503
    assert "right back" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_service_resumes_by_itself_when_the_database_returns(outage):
    client = Client()
    outage.start()
    assert client.get("/api/v1/massage-types/").status_code == 503
    assert client.get("/api/v1/massage-types/").status_code == 503
    outage.end()
    assert client.get("/api/v1/massage-types/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_outage_met_outside_a_view_is_a_503_not_a_500(outage, client, patient):
    # The session is read by the view but written by the session middleware afterwards.
    client.force_login(patient)
    outage.start()
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 503
    response = client.get("/api/v1/appointments/")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"


def test_django_500_handler_turns_a_database_outage_into_a_503(rf):
    from django.db import OperationalError

    from booking.api.errors import server_error

    for path in ("/api/v1/appointments/", "/appointments/"):
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            response = server_error(rf.get(path))
        assert response.status_code == 503
        assert response["Retry-After"]
