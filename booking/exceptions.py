"""Domain exceptions of the booking services, each with a stable code for the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class BookingError(Exception):
    """A booking rule refused the change. Nothing was written."""

    code = "booking_error"
    status = 409

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidBooking(BookingError):
    """The request itself is wrong (a start in the past, a type the therapist does not offer)."""

    code = "invalid"
    status = 400


class SlotTaken(BookingError):
    """Someone else holds the slot (or part of it, buffers included).

    `nearest` is the free starts nearest it that day once read (booking.checks.with_nearest),
    None while the refusal offers none.
    """

    code = "slot_taken"

    def __init__(
        self, message: str, *, fields: dict[str, str] | None = None, nearest: Sequence[datetime] | None = None
    ) -> None:
        super().__init__(message, fields=fields)
        self.nearest = None if nearest is None else tuple(nearest)


class PatientBusy(BookingError):
    """The patient already has another session at that time (a person is in one room at a time)."""

    code = "patient_busy"


class SlotUnavailable(BookingError):
    """The slot is not on the therapist's schedule (outside hours, time off, off the grid)."""

    code = "slot_unavailable"


class PolicyRefused(BookingError):
    """A clinic policy forbids the change; `code` says which."""

    code = "policy_refused"

    def __init__(self, message: str, *, code: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message, fields=fields)
        self.code = code


class CancellationTooLate(PolicyRefused):
    """The free cancellation window has passed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="cancellation_too_late")


class InvalidTransition(BookingError):
    """The appointment's status does not allow this change (e.g. marking a session not yet started)."""

    code = "invalid_status"


class NotAllowed(BookingError):
    """The caller may not act on this appointment."""

    code = "permission_denied"
    status = 403
