"""The OpenAPI schema is clean, and its Swagger UI is served by the project itself."""

from __future__ import annotations

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

CDN_HOSTS = ("cdn.", "jsdelivr", "unpkg", "cdnjs", "googleapis")


@pytest.mark.django_db
def test_the_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    paths = schema["paths"]
    for expected in [
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/massage-types/",
        "/api/v1/therapists/",
        "/api/v1/availability/",
        "/api/v1/appointments/",
        "/api/v1/appointments/{id}/",
        "/api/v1/appointments/{id}/cancel/",
        "/api/v1/appointments/{id}/reschedule/",
    ]:
        assert expected in paths
    booking = paths["/api/v1/appointments/"]["post"]["responses"]
    assert {"201", "400", "401", "409", "429"} <= set(booking)
    assert booking["409"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


@pytest.mark.django_db
def test_read_only_fields_are_not_in_the_booking_request(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    components = yaml.safe_load(target.read_text())["components"]["schemas"]

    request_fields = set(components["BookingRequestRequest"]["properties"])

    assert {"massage_type", "therapist", "start"} <= request_fields
    assert not request_fields & {"patient", "status", "price", "end", "cancelled_at", "cancelled_by"}


@pytest.mark.django_db
def test_the_schema_is_served(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert b"openapi: 3" in response.content


@pytest.mark.django_db
def test_swagger_ui_loads_nothing_from_a_cdn_and_has_no_inline_code(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert not any(host in html for host in CDN_HOSTS)
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
        else:
            assert url.startswith("/api/"), url
            assert client.get(url).status_code == 200
