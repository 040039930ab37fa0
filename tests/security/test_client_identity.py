"""Who the client is and which account an address opens: no header or look-alike gets around a limit.

- X-Forwarded-For is ignored unless TRUSTED_PROXIES says how many proxies write it.
- E-mail addresses are compared in one canonical form: a look-alike (U+0131, U+017F) opens no
  account, and failures typed in any case count against the one account.
- The counters are shared by every process (the database cache by default, Redis when
  CACHE_URL says so): failures recorded by one process lock sign-in in another.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from clinic import login_throttle
from clinic.models import User, canonical_email
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
LIMIT = login_throttle.FAILURE_LIMIT


def sign_in(client: Client, email: str, password: str) -> Any:
    return client.post(LOGIN, {"username": email, "password": password})


# --- X-Forwarded-For ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_forwarded_for_header_per_request_does_not_reset_the_client_limit(patient: User) -> None:
    for n in range(LIMIT):
        client = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"10.0.{n}.1")
        assert sign_in(client, f"nobody{n}@example.test", "wrong-password").status_code == 200

    spoofed = Client(REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert sign_in(spoofed, patient.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_the_api_sign_up_throttle_ignores_a_spoofed_forwarded_for() -> None:
    from rest_framework.throttling import ScopedRateThrottle

    allowed, _ = ScopedRateThrottle().parse_rate(ScopedRateThrottle.THROTTLE_RATES["register"])
    assert allowed is not None
    answers = []
    for n in range(allowed + 1):
        client = Client(REMOTE_ADDR="198.51.100.10", HTTP_X_FORWARDED_FOR=f"10.1.{n}.1")
        answers.append(client.post("/api/v1/auth/register/", {}, content_type="application/json").status_code)

    assert answers[:allowed] == [400] * allowed
    assert answers[allowed] == 429


@pytest.mark.django_db
def test_with_one_trusted_proxy_the_client_is_the_address_it_forwarded(settings: Any, patient: User) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for n in range(LIMIT):
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.4, 203.0.113.{n}")
        sign_in(client, f"nobody{n}@example.test", "wrong-password")
    # Ten different clients behind the proxy each failed once: none of them is shut out ...
    behind = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert sign_in(behind, patient.email, PASSWORD).status_code == 302
    # ... and the one that fails ten times is, whatever it writes to the left of the proxy's entry.
    for n in range(LIMIT):
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"9.9.9.{n}, 203.0.113.60")
        sign_in(client, f"nobody{n}@example.test", "wrong-password")
    again = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.60")
    assert sign_in(again, patient.email, PASSWORD).status_code == 429


# --- Look-alike e-mail addresses -----------------------------------------------------------------


def test_the_canonical_form_folds_case_and_compatibility_characters_only() -> None:
    assert canonical_email("  Ravi.Shah@Clinic.TEST ") == "ravi.shah@clinic.test"
    assert canonical_email("ravi.shah@clinic.te\u017ft") == "ravi.shah@clinic.test"  # NFKC: long s is s
    assert canonical_email("ravi.shah@cl\u0131n\u0131c.test") != "ravi.shah@clinic.test"  # dotless i is its own letter


@pytest.mark.django_db
def test_a_look_alike_address_opens_no_account() -> None:
    UserFactory(email="ravi.shah@clinic.test")
    look_alike = "ravi.shah@cl\u0131n\u0131c.te\u017ft"

    page = Client()
    assert sign_in(page, look_alike, PASSWORD).status_code == 200
    assert "_auth_user_id" not in page.session

    api = Client().post(TOKEN, {"email": look_alike, "password": PASSWORD}, content_type="application/json")
    assert api.status_code == 400


@pytest.mark.django_db
def test_failures_typed_in_any_case_count_against_the_one_account() -> None:
    user = UserFactory(email="ravi.shah@clinic.test")
    spellings = ["RAVI.SHAH@CLINIC.TEST", "Ravi.Shah@clinic.test", "ravi.shah@clinic.te\u017ft"]
    for n in range(LIMIT):
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{n}"), spellings[n % len(spellings)], "wrong-password")

    assert login_throttle.is_locked(None, user.email)
    assert sign_in(Client(REMOTE_ADDR="203.0.113.0"), user.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_sign_up_stores_the_canonical_form() -> None:
    response = Client().post(
        "/api/v1/auth/register/",
        {
            "email": "  Erin.Evans@Example.TEST",
            "password": "calm-lumbar-stretch-77",
            "first_name": "Erin",
            "last_name": "Evans",
            "phone": "(617) 555-0199",
        },
        content_type="application/json",
    )

    assert response.status_code in (201, 202), response.content
    assert User.objects.filter(email="erin.evans@example.test").exists()


# --- Counters shared across processes -------------------------------------------------------------

RECORD_FAILURES = """
import django, sys
django.setup()
from django.test import RequestFactory
from clinic import login_throttle
request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=sys.argv[2])
for _ in range(int(sys.argv[3])):
    login_throttle.record_failure(request, sys.argv[1])
"""


def _record_failures_in_another_process(email: str, address: str, count: int, **env: str) -> None:
    database = connection.settings_dict
    host = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    url = f"postgres://{database['USER']}@{host}/{database['NAME']}"
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings", "DATABASE_URL": url, **env}
    result = subprocess.run(  # noqa: S603  (our own interpreter and a fixed script)
        [sys.executable, "-c", RECORD_FAILURES, email, address, str(count)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cache", ["database", "redis"])
def test_failures_counted_by_another_process_lock_sign_in_here(cache: str, settings: Any) -> None:
    env: dict[str, str] = {}
    if cache == "redis":
        redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0] + "/15"
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
        env["CACHE_URL"] = redis_url
    else:
        assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    from django.core.cache import cache as shared

    shared.clear()
    user = UserFactory(email="kim@example.test")
    request = RequestFactory().post(LOGIN, REMOTE_ADDR="198.51.100.33")
    assert not login_throttle.is_locked(request, user.email)

    _record_failures_in_another_process(user.email, "198.51.100.33", LIMIT, **env)

    assert login_throttle.is_locked(request, user.email)
    assert sign_in(Client(REMOTE_ADDR="198.51.100.33"), user.email, PASSWORD).status_code == 429
    shared.clear()
