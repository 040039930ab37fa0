"""The grid's cells as HTML, built in Python: a busy day has hundreds, too many for the template engine."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clinic import dates
from frontdesk.calendar import Calendar, Column
from frontdesk.grid import Cell


def _card(cell: Cell, column: Column) -> str:
    session = cell.session or {}
    marks = ""
    if session.get("new_patient"):
        marks += ' <span class="fd-new">New patient</span>'
    if session.get("red_flags"):
        marks += ' <span class="fd-flag">Red flags</span>'
    where = f" · {escape(session['room'] if column.therapist_id is not None else session['therapist'])}"
    draggable = ' draggable="true"' if session.get("can_change") else ""
    return (
        f'<div class="fd-card fd-status-{escape(session["status"])} fd-span-{session["rows"]}" aria-hidden="true"'
        f'{draggable} data-session="{cell.session_id}"><strong>{escape(session["patient"])}</strong>{marks}<br>'
        f'{escape(session["massage"])}<br><span class="fd-when">{escape(session["time"])}</span> · '
        f"{escape(session['status_label'])}{where}</div>"
    )


def _cell(index: int, cell: Cell, column: Column) -> str:
    lane = ""
    if column.therapist_id is not None:
        lane += f' data-therapist="{column.therapist_id}"'
    if column.room_id is not None:
        lane += f' data-room="{column.room_id}"'
    if cell.session_id is not None:
        lane += f' data-session="{cell.session_id}"'
    if cell.session is not None:
        inside = _card(cell, column)
    elif cell.note:
        inside = f'<span class="fd-note" aria-hidden="true">{escape(cell.note)}</span>'
    else:
        inside = ""
    return (
        f'<td role="gridcell" id="cell-{column.key}-{index}" tabindex="-1" class="fd-cell fd-{cell.state}" '
        f'aria-label="{escape(cell.label)}" data-state="{cell.state}" data-start="{cell.start.isoformat()}" '
        f'data-column="{escape(column.label)}"{lane}>{inside}</td>'
    )


def rows_html(grid: Calendar) -> list[tuple[bool, str, SafeString]]:
    """Return each row of the grid as (on the hour, its time, its cells' HTML)."""
    return [
        (
            moment.minute == 0,
            dates.clock(moment),
            mark_safe("".join(_cell(index, cell, column) for column, cell in cells)),  # noqa: S308 (escaped above)
        )
        for index, moment, cells in grid.rows
    ]
