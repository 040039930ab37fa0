"""Admin for the notification outbox (status, attempts, errors, resend)."""

from __future__ import annotations
