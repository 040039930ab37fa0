"""The course's own domain exception: one session of the course was refused, so none was booked."""

from __future__ import annotations

from datetime import datetime

from booking.exceptions import BookingError
from clinic import dates


class CourseSessionRefused(BookingError):
    """A session of the course could not be booked; it keeps the refusal's code and status (a lost race is 409)."""

    def __init__(self, refusal: BookingError, *, number: int, start: datetime) -> None:
        when = f"{dates.moment(start)} {dates.zone_abbreviation(start)}"
        super().__init__(
            f"Session {number} ({when}) could not be booked: {refusal.message} Nothing was booked.",
            fields={"sessions": refusal.message, **refusal.fields},
        )
        self.code = refusal.code
        self.status = refusal.status
        self.refusal = refusal
        self.number = number
        self.start = start
