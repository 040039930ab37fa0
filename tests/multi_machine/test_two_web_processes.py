"""Two real gunicorn processes behind one client, requests alternating: the web processes hold no state.

Both serve the test database with DEBUG off and one SECRET_KEY, behind a "proxy" (each request
names its client in X-Forwarded-For, TRUSTED_PROXIES=1), as machines behind a load balancer
would. Sessions live in PostgreSQL, the API's throttle counts in the cache (the database's
cache table by default), the sign-in failures in their own table, the CSRF secret in the
client's cookie and the ETags are digests of the answer's body: every limit and validator
holds whichever process answers. With Redis as their cache the two also share the
availability answers they work out.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils import timezone

from booking.models import MassageType
from clinic.login_throttle import FAILURE_LIMIT
from clinic.models import User
from tests.factories import UserFactory
from tests.multi_machine.processes import Process, base_env, free_port, python, wait_until
from therapists.models import Therapist

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-enough-password-2026"
TOKEN_LIMIT = 4


@pytest.fixture(scope="module")
def web_env(tmp_path_factory: pytest.TempPathFactory, django_db_setup: None) -> dict[str, str]:
    """The processes' environment (the test database, made first), with the static files collected."""
    static = tmp_path_factory.mktemp("static")
    env = base_env(
        DJANGO_SETTINGS_MODULE="tests.multi_machine.web_settings",
        STATIC_ROOT=str(static),
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        TRUSTED_PROXIES="1",
        THROTTLE_TOKEN=f"{TOKEN_LIMIT}/hour",
        TWO_FACTOR_REQUIRED="0",
        LOG_LEVEL="WARNING",
    )
    collected = subprocess.run(
        [sys.executable, "-m", "django", "collectstatic", "--noinput", "-v", "0"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr[-3000:]
    return env


def two_processes(env: dict[str, str], tmp_path: Path) -> Iterator[list[str]]:
    """Start two gunicorn processes (one sync worker each) on free ports; yield their base URLs."""
    ports = [free_port(), free_port()]
    processes = [
        Process(
            python("-m", "gunicorn", "clinic.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "--access-logfile", "-"),
            env,
            tmp_path / f"web{n}.log",
        )
        for n, port in enumerate(ports)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            assert wait_until(partial(answers, base), timeout=120), process.tail()
        yield bases
    finally:
        for process in processes:
            process.stop()


@pytest.fixture
def servers(web_env: dict[str, str], tmp_path: Path, transactional_db: None) -> Iterator[list[str]]:
    """Two processes with the default cache (the database's)."""
    yield from two_processes(web_env, tmp_path)


@pytest.fixture
def redis_servers(web_env: dict[str, str], tmp_path: Path, transactional_db: None) -> Iterator[list[str]]:
    """Two processes sharing Redis as their cache (CACHE_URL), as a chain of clinics would run them."""
    yield from two_processes(
        {**web_env, "CACHE_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}, tmp_path
    )


def answers(base: str) -> bool:
    try:
        return requests.get(f"{base}/api/v1/massage-types/", timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or too busy starting to answer in time
        return False


class Client:
    """One browser (one client address) whose requests go to the two processes in turn.

    Cookies are kept by hand: with DEBUG off they are `Secure`, and the test talks plain HTTP
    to the processes as the TLS-ending proxy in front of them would.
    """

    def __init__(self, bases: list[str], address: str) -> None:
        self.turns = cycle(bases)
        self.address = address
        self.cookies: dict[str, str] = {}
        self.served_by: list[str] = []

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        base = next(self.turns)
        self.served_by.append(base)
        headers = {"X-Forwarded-For": self.address, **kwargs.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = requests.request(
            method, f"{base}{path}", headers=headers, allow_redirects=False, timeout=30, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response


def signed_up(email: str) -> User:
    """Open an account whose password is hashed as production hashes it (the suite itself uses MD5)."""
    user = UserFactory.create(email=email)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    return user


def csrf_of(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def test_a_session_and_a_csrf_token_from_one_process_are_good_on_the_other(servers: list[str]) -> None:
    signed_up("alice@example.test")
    browser = Client(servers, "203.0.113.10")

    form = browser.request("GET", "/accounts/login/")  # process one
    signed_in = browser.request(  # process two, with process one's CSRF token
        "POST",
        "/accounts/login/",
        data={"username": "alice@example.test", "password": PASSWORD, "csrfmiddlewaretoken": csrf_of(form)},
        headers={"Referer": f"{servers[1]}/accounts/login/"},
    )
    mine = browser.request("GET", "/api/v1/appointments/")  # process one, with process two's session

    assert form.status_code == 200
    assert signed_in.status_code == 302, signed_in.text[signed_in.text.find("<form") :][:1500]
    assert "sessionid" in browser.cookies
    assert mine.status_code == 200
    assert mine.json()["results"] == []
    assert len(set(browser.served_by)) == 2
    # Without the session the same request is a stranger's.
    assert requests.get(f"{servers[0]}/api/v1/appointments/", timeout=30).status_code == 401


def test_a_forged_csrf_token_is_refused_by_either_process(servers: list[str]) -> None:
    signed_up("alice@example.test")
    browser = Client(servers, "203.0.113.11")
    browser.request("GET", "/accounts/login/")

    forged = browser.request(
        "POST",
        "/accounts/login/",
        data={"username": "alice@example.test", "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )

    assert forged.status_code == 403


def test_sign_in_failures_count_across_both_processes_until_sign_in_closes(servers: list[str]) -> None:
    signed_up("alice@example.test")
    guesser = Client(servers, "203.0.113.12")
    token = csrf_of(guesser.request("GET", "/accounts/login/"))

    def attempt(password: str) -> int:
        data = {"username": "alice@example.test", "password": password, "csrfmiddlewaretoken": token}
        return guesser.request("POST", "/accounts/login/", data=data).status_code

    failures = [attempt(f"wrong-{n}") for n in range(FAILURE_LIMIT)]
    # Half of them reached each process: the limit is the clinic's, not a process's.
    assert failures == [200] * FAILURE_LIMIT
    assert attempt("wrong-again") == 429
    assert attempt(PASSWORD) == 429  # closed for this client, whichever process answers
    assert len(set(guesser.served_by)) == 2


def test_the_api_throttle_counts_across_both_processes(servers: list[str]) -> None:
    signed_up("alice@example.test")
    app = Client(servers, "203.0.113.13")

    answers = [
        app.request("POST", "/api/v1/auth/token/", json={"email": "alice@example.test", "password": PASSWORD})
        for _ in range(TOKEN_LIMIT + 2)
    ]

    assert [answer.status_code for answer in answers] == [200] * TOKEN_LIMIT + [429, 429]
    assert answers[-1].json()["error"]["code"] == "throttled"
    # Another client is counted apart.
    other = Client(servers, "203.0.113.14")
    fresh = other.request("POST", "/api/v1/auth/token/", json={"email": "alice@example.test", "password": PASSWORD})
    assert fresh.status_code == 200


def test_an_etag_from_one_process_revalidates_on_the_other(
    servers: list[str], massage_type: MassageType, therapist: Therapist
) -> None:
    day = timezone.localdate() + timedelta(days=3)
    query = {"massage_type": massage_type.pk, "date_from": day.isoformat(), "date_to": day.isoformat()}
    app = Client(servers, "203.0.113.15")

    first = app.request("GET", "/api/v1/availability/", params=query)
    again = app.request("GET", "/api/v1/availability/", params=query, headers={"If-None-Match": first.headers["ETag"]})
    other = app.request("GET", "/api/v1/availability/", params=query, headers={"If-None-Match": 'W/"stale"'})

    assert first.status_code == 200
    assert first.json()["slots"]
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]
    assert other.status_code == 200
    assert len(set(app.served_by)) == 2


def _availability_twice_with_a_change_no_tag_sees(bases: list[str], therapist: Therapist, massage_type: MassageType):
    """Ask process one, change what it depends on without a save signal (so no stamp moves), ask process two."""
    day = timezone.localdate() + timedelta(days=3)
    query = {"massage_type": massage_type.pk, "date_from": day.isoformat(), "date_to": day.isoformat()}
    app = Client(bases, "203.0.113.16")
    first = app.request("GET", "/api/v1/availability/", params=query)
    # An update of the rows themselves: no signal, no stamp, the tag stays. Only a process
    # that works the answer out again sees that the therapist no longer takes bookings.
    Therapist.objects.filter(pk=therapist.pk).update(is_active=False)
    second = app.request("GET", "/api/v1/availability/", params=query)
    assert len(set(app.served_by)) == 2
    assert first.status_code == second.status_code == 200
    assert first.headers["ETag"] == second.headers["ETag"]
    return first, second


def test_with_redis_an_answer_one_process_worked_out_is_served_by_the_other(
    redis_servers: list[str], massage_type: MassageType, therapist: Therapist
) -> None:
    first, second = _availability_twice_with_a_change_no_tag_sees(redis_servers, therapist, massage_type)

    assert first.json()["slots"]
    assert second.content == first.content  # the first process's answer, from Redis


def test_with_the_database_cache_each_process_works_its_answer_out(
    servers: list[str], massage_type: MassageType, therapist: Therapist
) -> None:
    first, second = _availability_twice_with_a_change_no_tag_sees(servers, therapist, massage_type)

    assert first.json()["slots"]
    assert second.json()["slots"] == []  # worked out again: nothing kept is shared through the database
