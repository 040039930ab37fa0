"""A course's progress: each session's measures, and whether the patient is improving.

Improving follows the minimal important change agreed for back pain (Ostelo et al., 2008):
a fall of at least 2 points on the 0-10 scale, or of at least 30% of the first score. The
README gives the measures and their sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from booking.models import Appointment, Status
from clinic import dates
from courses.models import Course, Measure

MIN_POINTS = 2
MIN_SHARE = 0.3


class Trend:
    """How the latest measures compare with the first (the therapist's week view marks it)."""

    IMPROVING = "improving"
    NOT_IMPROVING = "not_improving"
    WORSE = "worse"
    TOO_EARLY = "too_early"  # fewer than two sessions with measures

    LABELS = {
        IMPROVING: "Improving",
        NOT_IMPROVING: "Not improving",
        WORSE: "Worse",
        TOO_EARLY: "Too early to say",
    }


@dataclass(frozen=True)
class ProgressRow:
    """One session of the course with its measures (None where not recorded)."""

    number: int
    start: datetime
    status: str
    pain_now: int | None
    pain_worst_week: int | None
    interference: int | None

    @property
    def recorded(self) -> bool:
        return self.pain_now is not None

    def day(self) -> date:
        return timezone.localdate(self.start)

    def label(self) -> str:
        return f"{self.start:%b} {self.day().day}"

    def long_label(self) -> str:
        return dates.long_day(self.start)


def progress_rows(course: Course) -> list[ProgressRow]:
    """Return the course's sessions that were not cancelled, by start, with their measures (one query)."""
    return rows_of(course.sessions().exclude(status=Status.CANCELLED).select_related("measure", "room__location"))


def rows_of(sessions: Iterable[Appointment]) -> list[ProgressRow]:
    rows = []
    for number, session in enumerate(sessions, start=1):
        measure: Measure | None = getattr(session, "measure", None)
        rows.append(
            ProgressRow(
                number=number,
                start=session.start.astimezone(session.zone),
                status=session.status,
                pain_now=measure.pain_now if measure else None,
                pain_worst_week=measure.pain_worst_week if measure else None,
                interference=measure.interference if measure else None,
            )
        )
    return rows


def improved(first: int, latest: int) -> bool:
    """Return whether a 0-10 score fell by the minimal important change (2 points, or 30% of the first)."""
    fall = first - latest
    return fall >= MIN_POINTS or (first > 0 and fall > 0 and fall >= MIN_SHARE * first)


def trend(rows: Sequence[ProgressRow]) -> str:
    """Compare the latest recorded measures with the first: improving, not improving, worse or too early."""
    recorded = [row for row in rows if row.recorded]
    if len(recorded) < 2:
        return Trend.TOO_EARLY
    first, latest = recorded[0], recorded[-1]
    pairs = [
        (first.pain_now, latest.pain_now),
        (first.pain_worst_week, latest.pain_worst_week),
        (first.interference, latest.interference),
    ]
    scored = [(a, b) for a, b in pairs if a is not None and b is not None]
    if any(b - a >= MIN_POINTS for a, b in scored):
        return Trend.WORSE
    # Pain now or what the pain gets in the way of: either counts when it fell by a clinically important amount.
    if improved(scored[0][0], scored[0][1]) or improved(scored[2][0], scored[2][1]):
        return Trend.IMPROVING
    return Trend.NOT_IMPROVING


def trends_by_series(series: Iterable[UUID | None]) -> dict[UUID, str]:
    """Return the trend of each course among the series (one query whatever their number)."""
    wanted = {value for value in series if value is not None}
    if not wanted:
        return {}
    sessions = (
        Appointment.objects.filter(series__in=wanted)
        .exclude(status=Status.CANCELLED)
        .select_related("measure", "room__location")
        .order_by("series", "start", "pk")
    )
    grouped: dict[UUID, list[Appointment]] = {}
    for session in sessions:
        assert session.series is not None
        grouped.setdefault(session.series, []).append(session)
    return {key: trend(rows_of(items)) for key, items in grouped.items()}
