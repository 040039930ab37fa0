"""The notices of the apps beside booking (payments, the waitlist, courses of care), registered by kind.

Each such kind names its template, its subject, what it adds to the shared context and
when it is obsolete; `notifications.rendering` sends it like any other outbox row. All of
them go to the patient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from booking.models import Notification


def _never_obsolete(notification: Notification, now: datetime) -> str:
    return ""


@dataclass(frozen=True)
class PatientNotice:
    """How one registered kind of patient notice is rendered."""

    template: str  # emails/<template>.txt and .html
    subject: Callable[[dict[str, Any]], str]
    context: Callable[[Notification, datetime], dict[str, Any]]
    obsolete: Callable[[Notification, datetime], str] = _never_obsolete
    calendar: bool = False  # attach the session's .ics


REGISTERED: dict[str, PatientNotice] = {}


def register(kind: str, notice: PatientNotice) -> None:
    """Make the outbox's rows of this kind renderable."""
    REGISTERED[kind] = notice
