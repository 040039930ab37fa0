"""Production's settings for the test's gunicorn processes, static files collected into the test's own folder."""

from __future__ import annotations

import os
from pathlib import Path

from clinic.settings import *  # noqa: F403  (every setting as production has it)

# The one change: STATIC_ROOT from the environment, so the test never writes into var/.
STATIC_ROOT = Path(os.environ["STATIC_ROOT"])
