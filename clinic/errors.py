"""The API's one error shape, for every layer that answers in it."""

from __future__ import annotations

from typing import Any


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the API's error document."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}
