"""Production settings pass Django's deployment checks and every page carries security headers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests allow async-unsafe calls in-process; production must not inherit that.
    skipped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in skipped}
    environment.update(env)
    return subprocess.run(  # noqa: S603  (fixed arguments, our own manage.py)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_deploy_checks_pass_with_production_environment() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="clinic.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret() -> None:
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="clinic.example.com", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/admin/login/", "/api/v1/massage-types/"])
def test_responses_carry_security_headers(path: str) -> None:
    response = Client().get(path)
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_debug_is_off_unless_asked_for() -> None:
    script = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    skipped = {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in skipped}
    environment.update(DJANGO_SETTINGS_MODULE="clinic.settings", SECRET_KEY=secrets.token_urlsafe(60))

    result = subprocess.run(  # noqa: S603  (our own interpreter and settings)
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


NO_WRITES = """
import pathlib, sys

def refuse(*args, **kwargs):
    raise SystemExit("settings wrote to the file system: " + repr(args[:1]))

pathlib.Path.mkdir = refuse
pathlib.Path.write_text = refuse
pathlib.Path.write_bytes = refuse
import clinic.settings
print("imported")
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_importing_the_settings_writes_no_files(debug: str) -> None:
    skipped = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL"}
    environment = {k: v for k, v in os.environ.items() if k not in skipped}
    environment.update(DEBUG=debug, CELERY_BROKER_URL="filesystem://")
    if debug == "0":
        environment["SECRET_KEY"] = secrets.token_urlsafe(60)

    result = subprocess.run(  # noqa: S603  (our own interpreter and settings)
        [sys.executable, "-c", NO_WRITES], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "imported"


@pytest.mark.parametrize("url", ["filemail:///tmp/clinic-mail", "filemail:////tmp/clinic-mail"])
def test_a_file_mail_url_names_an_absolute_folder_with_three_slashes_or_four(url: str) -> None:
    script = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_FILE_PATH)"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings", "EMAIL_URL": url, "DEBUG": "1"}

    result = subprocess.run(  # noqa: S603  (our own interpreter and settings)
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "/tmp/clinic-mail"


def test_make_run_points_links_at_its_own_port() -> None:
    result = subprocess.run(
        ["make", "-n", "run", "PORT=8123"],  # noqa: S607
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "SITE_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert "http://127.0.0.1:8123/" in result.stdout
