"""Production's collectstatic hashes the whole ES module graph: a hashed module imports only hashed modules."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HASHED_JS = re.compile(r"\.[0-9a-f]{12}\.js$")
# Every relative module specifier: static and re-exporting imports, bare imports, dynamic import().
SPECIFIER = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](?P<url>\.{1,2}/[^"']+)["']""",
)
COLLECT = """
import sys
import django
from django.conf import settings

django.setup()
settings.STATIC_ROOT = sys.argv[1]
# Our own static folder only: the apps' bundles (admin, Swagger UI) hold none of our modules
# and take most of a minute to compress.
settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
from django.core.management import call_command

call_command("collectstatic", "--noinput", verbosity=0)
print(settings.STORAGES["staticfiles"]["BACKEND"])
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Run collectstatic with the production settings (DEBUG off) into a temporary STATIC_ROOT."""
    target = tmp_path_factory.mktemp("static")
    skipped = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in skipped}
    environment.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="clinic.example.com",
        DJANGO_SETTINGS_MODULE="clinic.settings",
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", COLLECT, str(target)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target, result.stdout.strip()


@pytest.fixture(scope="module")
def static_root(collected: tuple[Path, str]) -> Path:
    return collected[0]


def test_production_uses_the_clinics_storage(collected: tuple[Path, str]) -> None:
    assert collected[1] == "clinic.storage.ClinicStaticFilesStorage"


def _imports(path: Path) -> list[str]:
    return [match["url"] for match in SPECIFIER.finditer(path.read_text(encoding="utf-8"))]


def test_the_booking_page_script_imports_hashed_siblings(static_root: Path) -> None:
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    main = static_root / manifest["js/booking/main.js"]

    imports = _imports(main)

    assert HASHED_JS.search(main.name)
    lib_api = manifest["js/lib/api.js"].removeprefix("js/")
    assert f"../{lib_api}" in imports
    assert any(url.startswith("./state.") for url in imports)
    for url in imports:
        assert HASHED_JS.search(url), url
        assert (main.parent / url).resolve().is_file(), url


def test_no_hashed_module_imports_an_unhashed_one(static_root: Path) -> None:
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    ours = [
        static_root / hashed for name, hashed in manifest.items() if name.startswith("js/") and name.endswith(".js")
    ]
    assert len(ours) > 10

    unhashed = {
        f"{path.relative_to(static_root)} imports {url}"
        for path in ours
        for url in _imports(path)
        if not HASHED_JS.search(url)
    }

    assert unhashed == set()


def test_the_hashed_modules_are_also_served_compressed(static_root: Path) -> None:
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    main = static_root / manifest["js/booking/main.js"]

    assert main.with_name(main.name + ".gz").is_file()
