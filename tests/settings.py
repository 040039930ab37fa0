"""Settings of the test run: the clinic's own settings, imported with the test environment's defaults.

The settings default to production (DEBUG off, a SECRET_KEY required). The suite runs the
site as `make run` does (DEBUG on while the settings load; pytest-django then turns DEBUG
off for every test, as production runs), so a bare `pytest` works without exports.
Subprocesses the tests start inherit these variables.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdefghijklmnop")

from clinic.settings import *  # noqa: F403

# Hashing with Django's default (PBKDF2, hundreds of thousands of rounds) is most of the
# suite's time; the tests are about who gets in, not about the hash's strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
