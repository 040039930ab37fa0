"""The booking page's script takes the intake fields and the red-flag rule from the server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from booking.intake import INTAKE_FIELDS, PROVIDER_CONSULTED_MESSAGE, RED_FLAGS, IntakeData

SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"


def booking_config(client: Client) -> dict[str, Any]:
    html = client.get(reverse("book")).content.decode()
    found = re.search(r'<script id="booking-config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the book page has no booking-config"
    return json.loads(found.group(1))


@pytest.mark.django_db
def test_book_page_passes_the_intake_fields_and_red_flag_questions(client: Client) -> None:
    intake = booking_config(client)["intake"]

    assert intake["fields"] == list(INTAKE_FIELDS)
    assert intake["redFlags"] == [{"key": key, "label": label} for key, label in RED_FLAGS.items()]


@pytest.mark.django_db
def test_book_page_passes_the_message_the_api_answers_for_an_unconsulted_red_flag(client: Client) -> None:
    intake = booking_config(client)["intake"]

    api_errors = IntakeData(red_flags=["leg_numbness"], provider_consulted=False).errors()
    assert intake["providerConsultedMessage"] == api_errors["provider_consulted"] == PROVIDER_CONSULTED_MESSAGE


@pytest.mark.django_db
def test_book_page_loads_its_entry_module_from_the_site(client: Client) -> None:
    html = client.get(reverse("book")).content.decode()

    assert re.search(r'<script type="module" src="/static/js/booking/main\.js">', html)


def test_page_scripts_keep_no_copy_of_the_intake_rule() -> None:
    for script in SCRIPTS.rglob("*.js"):
        text = script.read_text()
        assert "talked to your doctor" not in text, script
        for key in RED_FLAGS:
            assert f'"{key}"' not in text, (script, key)
        assert not re.search(r"\[\s*\"focus_areas\"\s*,\s*\"pain_level\"", text), script
