"""Pure computation of the calendar's cells: what each slot of the grid holds, from intervals.

No database here: the functions take the day's rows, spans and sessions as values, so a
cell's state can be checked by hand (and the view's query count does not depend on them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic import dates

Interval = tuple[datetime, datetime]

FREE = "free"
PAST = "past"
SESSION = "session"
CONTINUES = "continues"
TURNOVER = "turnover"
TIME_OFF = "off"
BREAK = "break"
CLOSED = "closed"
ELSEWHERE = "elsewhere"
ROOM_CLOSED = "room-closed"

# What a cell says to a screen reader (and, shortened, on screen) for each state.
STATE_WORDS = {
    FREE: "free",
    PAST: "past, free",
    TURNOVER: "room turnover",
    TIME_OFF: "time off",
    BREAK: "break",
    CLOSED: "closed",
    ELSEWHERE: "working at another location",
    ROOM_CLOSED: "room closed",
}


@dataclass(frozen=True)
class Booked:
    """One session as the grid needs it: its span, its turnover, and the card it shows."""

    id: int
    start: datetime
    end: datetime
    blocked_until: datetime
    card: dict[str, object]


@dataclass(frozen=True)
class Cell:
    """One slot of one column: its start, its state, what it says, and the session that starts in it."""

    start: datetime
    state: str
    label: str
    note: str = ""
    session: dict[str, object] | None = None
    session_id: int | None = None

    @property
    def bookable(self) -> bool:
        return self.state == FREE


@dataclass(frozen=True)
class Lane:
    """What one column knows of its day: where it works (here and elsewhere), its time off, its sessions."""

    here: list[Interval]
    elsewhere: list[tuple[Interval, str]]
    away: list[tuple[Interval, str]]  # time off, or a room's closures, with the reason
    sessions: list[Booked]
    away_state: str = TIME_OFF
    # What a session's card names besides the patient and massage: its room in a therapist's
    # lane, its therapist in a room's.
    shows: str = "room"


def rows_of_day(day: date, first: time, last: time, zone: ZoneInfo, grid_minutes: int) -> list[datetime]:
    """Return the grid's starts of the day from `first` to before `last`, in the zone."""
    step = timedelta(minutes=grid_minutes)
    start = datetime.combine(day, first, tzinfo=zone)
    end = datetime.combine(day, last, tzinfo=zone)
    rows: list[datetime] = []
    moment = start
    while moment < end:
        rows.append(moment)
        # Adding to a zoned datetime is wall-clock arithmetic: on a DST day the rows keep their printed times.
        moment += step
    return rows


def display_hours(
    spans: list[tuple[time, time]], default: tuple[time, time] = (time(9), time(17))
) -> tuple[time, time]:
    """Return the whole hours the day's grid shows: from the earliest span's hour to past the latest end."""
    if not spans:
        return default
    first = min(start for start, _ in spans)
    last = max(end for _, end in spans)
    end_hour = last.hour + (1 if (last.minute or last.second) else 0)
    return time(first.hour), time(23, 59) if end_hour >= 24 else time(end_hour)


def _covering(moment: datetime, spans: list[Interval]) -> bool:
    return any(start <= moment < end for start, end in spans)


def session_words(card: dict[str, object], shows: str = "room") -> str:
    """Return how a session is read out: the words its card shows, in the same order.

    The same words as on screen (a cell's name must contain its visible text, for those who
    speak to their screen reader what they see), with commas for the pauses.
    """
    words = [str(card["patient"])]
    if card.get("new_patient"):
        words.append("new patient")
    if card.get("red_flags"):
        words.append("red flags")
    words += [str(card["massage"]), str(card["time"]), str(card["status_label"]), str(card[shows])]
    return ", ".join(words)


def cell_at(moment: datetime, step: timedelta, lane: Lane, *, now: datetime, label: str) -> Cell:
    """Return what the lane's slot at `moment` holds, labelled '<label>, 10:00 AM: <what>'."""
    prefix = f"{label}, {dates.clock(moment.time())}"
    for booked in lane.sessions:
        if booked.start <= moment < booked.end or (moment <= booked.start < moment + step):
            first = moment <= booked.start < moment + step
            words = session_words(booked.card, lane.shows)
            if first:
                return Cell(moment, SESSION, f"{prefix}: {words}", session=booked.card, session_id=booked.id)
            return Cell(moment, CONTINUES, f"{prefix}: {words} continues", session_id=booked.id)
    for booked in lane.sessions:
        if booked.end <= moment < booked.blocked_until:
            return Cell(moment, TURNOVER, f"{prefix}: {STATE_WORDS[TURNOVER]}", note="Turnover")
    for (start, end), reason in lane.away:
        if start <= moment < end:
            words = STATE_WORDS[lane.away_state] + (f" ({reason})" if reason else "")
            note = "Time off" if lane.away_state == TIME_OFF else "Room closed"
            return Cell(moment, lane.away_state, f"{prefix}: {words}", note=note)
    if _covering(moment, lane.here):
        if moment < now:
            return Cell(moment, PAST, f"{prefix}: {STATE_WORDS[PAST]}")
        return Cell(moment, FREE, f"{prefix}: {STATE_WORDS[FREE]}")
    for (start, end), where in lane.elsewhere:
        if start <= moment < end:
            return Cell(moment, ELSEWHERE, f"{prefix}: at {where}", note=f"At {where}")
    worked = lane.here + [span for span, _ in lane.elsewhere]
    if worked and min(s for s, _ in worked) <= moment < max(e for _, e in worked):
        return Cell(moment, BREAK, f"{prefix}: {STATE_WORDS[BREAK]}", note="Break")
    return Cell(moment, CLOSED, f"{prefix}: {STATE_WORDS[CLOSED]}")


def lane_cells(rows: list[datetime], grid_minutes: int, lane: Lane, *, now: datetime, label: str) -> list[Cell]:
    """Return the lane's cells for the rows."""
    step = timedelta(minutes=grid_minutes)
    cells = [cell_at(moment, step, lane, now=now, label=label) for moment in rows]
    # A run of time off, breaks or closed hours says so once, at its top.
    return [
        replace(cell, note="") if index and cell.note and cells[index - 1].note == cell.note else cell
        for index, cell in enumerate(cells)
    ]
