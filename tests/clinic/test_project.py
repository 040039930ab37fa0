"""The project as a whole: the system checks pass and the models match the migrations."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


def test_system_checks_pass() -> None:
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:  # raised when a model change has no migration
        pytest.fail(f"Models and migrations differ (run makemigrations):\n{out.getvalue()}", pytrace=False)
    assert "No changes detected" in out.getvalue()
