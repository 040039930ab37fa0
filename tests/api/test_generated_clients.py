"""Clients we do not write, generated from the live schema, run the whole patient journey against a live server.

openapi-python-client (Python, pinned in requirements-dev.txt) and openapi-typescript with
openapi-fetch (node, pinned in package.json) each read GET /api/schema/ as any outside team
would. The generated code goes to a temporary folder and is never committed. A missing tool
is a failure, never a skip: `make test` installs both.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from booking.models import Appointment, MassageType, Status
from clinic.models import User
from therapists.models import Therapist

ROOT = Path(__file__).resolve().parents[2]
NODE_BIN = ROOT / "node_modules" / ".bin"
JOURNEY_SCRIPT = ROOT / "tests" / "js" / "journey.mjs"
PACKAGE = "clinic_api_client"  # the generated Python package's name
DAY = date(2026, 3, 4)  # a Wednesday two days after the pinned clock: Carol is free from 09:00
NEXT_DAY = DAY + timedelta(days=1)
MOVED_TO = "2026-03-05T14:00:00-05:00"  # where the journey reschedules the session
PASSWORD = "sore-shoulders-2026"


def _download(url: str, target: Path) -> Path:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (the live test server)
        assert response.status == 200, url
        target.write_bytes(response.read())
    return target


def _tool(path: Path, install: str) -> str:
    if not path.exists():
        pytest.fail(f"{path.name} is missing: {install}")
    return str(path)


def _run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 (our own pinned tools, fixed arguments)
        args, cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )
    assert result.returncode == 0, f"{' '.join(args)}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def clinic(clock, therapist: Therapist, other_therapist: Therapist, massage_type: MassageType) -> MassageType:
    return massage_type


@pytest.fixture
def python_client(live_server, tmp_path: Path, clinic: MassageType) -> Iterator[ModuleType]:
    """Generate a Python client package from the live schema and import it."""
    schema = _download(f"{live_server.url}/api/schema/", tmp_path / "schema.yaml")
    config = tmp_path / "config.yaml"
    # No formatter runs over the generated code: what it generates is what we import.
    config.write_text(yaml.safe_dump({"package_name_override": PACKAGE, "post_hooks": []}))
    generator = _tool(Path(sys.executable).with_name("openapi-python-client"), "pip install -r requirements-dev.txt")
    out = tmp_path / "generated"
    result = _run(
        generator,
        "generate",
        "--path",
        str(schema),
        "--output-path",
        str(out),
        "--meta",
        "none",
        "--config",
        str(config),
    )
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    shutil.move(str(out), str(tmp_path / PACKAGE))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_every_generated_python_module_imports(python_client: ModuleType) -> None:
    """The whole package imports: a body offered as form and multipart too once broke half of it."""
    package_dir = Path(python_client.__file__).parent
    modules = [
        ".".join(path.relative_to(package_dir.parent).with_suffix("").parts)
        for path in package_dir.rglob("*.py")
        if path.name != "__init__.py"
    ]
    assert len(modules) > 40
    for module in modules:
        importlib.import_module(module)


def test_the_generated_python_client_runs_the_patient_journey(live_server, python_client: ModuleType) -> None:
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    auth = importlib.import_module(f"{PACKAGE}.api.auth")
    for name in ("auth_register", "auth_token", "auth_logout"):
        importlib.import_module(f"{auth.__name__}.{name}")
    catalogue = {
        name: importlib.import_module(f"{api.__name__}.catalogue.{name}")
        for name in ("v1_massage_types_list", "v1_therapists_list")
    }
    availability = importlib.import_module(f"{api.__name__}.availability.availability")
    appointments = {
        name: importlib.import_module(f"{api.__name__}.appointments.v1_appointments_{name}")
        for name in ("create", "retrieve", "list", "reschedule_create", "partial_update", "cancel_create")
    }
    anonymous = python_client.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    registered = auth.auth_register.sync_detailed(
        client=anonymous,
        body=models.RegisterRequest(
            email="fay@example.test", password=PASSWORD, first_name="Fay", last_name="Fox", phone="+1 617 555 0123"
        ),
    )
    assert registered.status_code == 202  # no token here: sign in for one
    signed_in = auth.auth_token.sync(
        client=anonymous, body=models.TokenRequestRequest(email="fay@example.test", password=PASSWORD)
    )
    assert isinstance(signed_in, models.Token), signed_in
    fay = python_client.AuthenticatedClient(
        base_url=live_server.url, token=signed_in.token, prefix="Token", raise_on_unexpected_status=True
    )

    massage = next(m for m in catalogue["v1_massage_types_list"].sync(client=fay) if m.slug == "deep-tissue")
    therapists = catalogue["v1_therapists_list"].sync(client=fay, massage_type=massage.id)
    carol = next(t for t in therapists if t.display_name == "Carol Chen")
    free = availability.sync_detailed(
        client=anonymous, massage_type=massage.id, date_from=DAY, date_to=NEXT_DAY, therapist=carol.id
    )
    assert free.headers["content-encoding"] == "gzip"  # the generated client reads gzip as any HTTP client does
    slots = free.parsed.slots
    assert slots[0].start.isoformat() == "2026-03-04T09:00:00-05:00"

    booked = appointments["create"].sync(
        client=fay,
        body=models.BookingRequestRequest(
            massage_type=massage.id, therapist=carol.id, start=slots[0].start, focus_areas="lower back", pain_level=6
        ),
    )
    assert isinstance(booked, models.Appointment), booked
    assert booked.status == models.StatusEnum.CONFIRMED
    fetched = appointments["retrieve"].sync(client=fay, id=booked.id)
    assert fetched.to_dict() == booked.to_dict()
    listed = appointments["list"].sync(client=fay, upcoming=True)
    assert [a.id for a in listed.results] == [booked.id]

    later = next(slot for slot in slots if slot.start == datetime.fromisoformat(MOVED_TO))
    moved = appointments["reschedule_create"].sync(
        client=fay, id=booked.id, body=models.RescheduleRequestRequest(start=later.start)
    )
    assert moved.start == later.start

    intake = appointments["partial_update"].sync(
        client=fay, id=booked.id, body=models.PatchedIntakeRequest(pain_level=None, focus_areas="neck")
    )
    assert isinstance(intake, models.Appointment), intake
    assert intake.pain_level is None
    assert intake.focus_areas == "neck"

    cancelled = appointments["cancel_create"].sync(
        client=fay, id=booked.id, body=models.CancelRequestRequest(reason="Back feels better")
    )
    assert cancelled.status == models.StatusEnum.CANCELLED

    assert auth.auth_logout.sync_detailed(client=fay).status_code == 204
    after = appointments["list"].sync_detailed(
        client=python_client.AuthenticatedClient(base_url=live_server.url, token=signed_in.token, prefix="Token")
    )
    assert after.status_code == 401

    stored = Appointment.objects.get(pk=booked.id)
    assert stored.patient == User.objects.get(email="fay@example.test")
    assert stored.status == Status.CANCELLED
    assert stored.start == datetime.fromisoformat(MOVED_TO)
    assert stored.pain_level is None


def test_a_typescript_client_from_openapi_fetch_runs_the_patient_journey(
    live_server, tmp_path: Path, clinic: MassageType
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: make test installs it")
    schema = _download(f"{live_server.url}/api/schema/?format=json", tmp_path / "schema.json")
    assert json.loads(schema.read_text())["openapi"].startswith("3.")
    typescript = _tool(NODE_BIN / "openapi-typescript", "npm ci")
    types = tmp_path / "api.d.ts"
    _run(typescript, str(schema), "--output", str(types), cwd=ROOT)
    text = types.read_text()
    assert '"/api/v1/appointments/{id}/": {' in text
    assert "pain_level?: number | null" in text
    # The generated types compile on their own (the journey below is plain JS).
    tsc = _tool(NODE_BIN / "tsc", "npm ci")
    _run(tsc, "--noEmit", "--strict", "--skipLibCheck", str(types), cwd=ROOT)

    result = _run(node, str(JOURNEY_SCRIPT), live_server.url, DAY.isoformat(), MOVED_TO, cwd=ROOT)

    summary = json.loads(result.stdout.strip().splitlines()[-1])
    stored = Appointment.objects.get(pk=summary["appointment"])
    assert stored.patient.email == "gus@example.test"
    assert stored.status == Status.CANCELLED
    assert stored.pain_level is None
    assert stored.start == datetime.fromisoformat(MOVED_TO)
    assert summary["steps"] == [
        "register",
        "token",
        "catalogue",
        "therapists",
        "availability",
        "book",
        "get",
        "reschedule",
        "intake",
        "cancel",
        "logout",
    ]
    assert summary["availability_encoding"] == "gzip"
