"""Every API error, including Django's own 404 and 500, speaks the one JSON shape."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import path

from booking.api.errors import page_not_found, server_error
from clinic.urls import urlpatterns as clinic_urlpatterns
from tests.api.conftest import error_of


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


# The project's routes plus two that fail, for the 500 tests (see @pytest.mark.urls below).
urlpatterns = [
    path("api/v1/boom/", _boom),
    path("boom/", _boom),
    *clinic_urlpatterns,
]
handler404 = "booking.api.errors.page_not_found"
handler500 = "booking.api.errors.server_error"


@pytest.mark.django_db
def test_an_unknown_api_url_is_a_json_404(api):
    response = api.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response) == {"code": "not_found", "message": "Not found.", "fields": {}}


@pytest.mark.django_db
def test_an_unknown_page_is_an_html_404(client):
    response = client.get("/no-such-page-anywhere/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"Page not found" in response.content


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crash_under_the_api_is_a_json_500():
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert error_of(response)["code"] == "server_error"
    assert "a bug" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_crash_on_a_page_is_the_html_500():
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in response.content


def test_the_handlers_choose_by_path():
    factory = RequestFactory()

    assert page_not_found(factory.get("/api/anything"), None)["Content-Type"] == "application/json"
    assert server_error(factory.get("/api/anything"))["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post("/api/v1/auth/token/", "email=alice", content_type="application/json")

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_json"


@pytest.mark.django_db
def test_an_unsupported_media_type_is_a_415(api):
    response = api.post("/api/v1/auth/token/", "<xml/>", content_type="application/xml")

    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


@pytest.mark.django_db
def test_a_wrong_method_is_a_405(api):
    response = api.delete("/api/v1/availability/")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
