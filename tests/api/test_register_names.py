"""Registering through the API: a name with a line break or a control character is a field error."""

from __future__ import annotations

import pytest

from clinic.models import User
from clinic.plain_text import MESSAGE
from tests.api.conftest import error_of

REGISTER = "/api/v1/auth/register/"


def sign_up(api, **names: str):
    return api.post(
        REGISTER,
        {"email": "fay@example.test", "password": "sore-shoulders-2026", "phone": "+1 617 555 0123", **names},
        format="json",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Fay\r\nBcc: evil@example.test"),
        ("last_name", "Fox\nATTENDEE:mailto:evil@example.test"),
        ("first_name", "Fay\u0000"),
        ("last_name", "F\u202eox"),
    ],
)
def test_a_name_with_control_characters_is_a_field_error(api, field: str, value: str) -> None:
    names = {"first_name": "Fay", "last_name": "Fox", field: value}

    response = sign_up(api, **names)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"] == {field: MESSAGE}
    assert not User.objects.filter(email="fay@example.test").exists()


@pytest.mark.django_db
def test_a_name_with_accents_and_punctuation_is_welcome(api) -> None:
    response = sign_up(api, first_name="Zoë-Anne", last_name="O'Brien")

    assert response.status_code < 300, response.json()
    assert User.objects.get(email="fay@example.test").get_full_name() == "Zoë-Anne O'Brien"
