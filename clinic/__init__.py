"""The clinic project package: settings, URLs, the Celery app and clinic-wide things."""

from __future__ import annotations

from clinic.celery import app as celery_app

__all__ = ["celery_app"]
