"""The progress chart: an inline SVG drawn on the server, readable without JavaScript.

Three lines on a 0-10 scale, one point per session, each told apart by its marker and dash
as well as its colour. Presentation attributes only (no style attribute or element), so the
pages' Content-Security-Policy has nothing to allow. A table of the same numbers stands
beside it on every page (templates/courses/_progress.html).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.progress import ProgressRow

WIDTH, HEIGHT = 560, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 32, 48, 56
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
AXIS = "#4a4a4a"
GRID = "#d9d9d9"


@dataclass(frozen=True)
class Series:
    """One measure drawn as a line: its field, legend label, colour, dash and marker."""

    field: str
    label: str
    colour: str
    dash: str
    marker: str  # circle, square or triangle


SERIES = (
    Series("pain_now", "Pain now", "#1f4e79", "", "circle"),
    Series("pain_worst_week", "Worst pain, past week", "#a1341f", "6 4", "square"),
    Series("interference", "Interfered with activity", "#1e6b3a", "2 3", "triangle"),
)
LEGEND_X = (0, 110, 290)


def _x(index: int, count: int) -> float:
    if count == 1:
        return LEFT + PLOT_W / 2
    return LEFT + PLOT_W * index / (count - 1)


def _y(value: int) -> float:
    return TOP + PLOT_H * (10 - value) / 10


def _n(value: float) -> str:
    """Return a coordinate with at most one decimal, so the same data draws the same bytes."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "circle":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{colour}"/>'
    if kind == "square":
        return f'<rect x="{_n(x - 4)}" y="{_n(y - 4)}" width="8" height="8" fill="{colour}"/>'
    points = f"{_n(x)},{_n(y - 5)} {_n(x + 5)},{_n(y + 4)} {_n(x - 5)},{_n(y + 4)}"
    return f'<polygon points="{points}" fill="{colour}"/>'


def describe(rows: Sequence[ProgressRow]) -> str:
    """Return the chart's description in words: each measure's first and latest value."""
    recorded = [row for row in rows if row.recorded]
    if not recorded:
        return "No measures recorded yet."
    first, latest = recorded[0], recorded[-1]
    if first is latest:
        parts = [f"{series.label}: {getattr(first, series.field)} of 10" for series in SERIES]
        return f"Session {first.number}: " + "; ".join(parts) + "."
    parts = [
        f"{series.label} went from {getattr(first, series.field)} at session {first.number} "
        f"to {getattr(latest, series.field)} at session {latest.number}"
        for series in SERIES
    ]
    return "; ".join(parts) + ". 0 is none, 10 the worst."


def draw(rows: Sequence[ProgressRow], *, ident: str, title: str = "Your back pain over the course") -> SafeString:
    """Return the SVG of the measures over the sessions (ident makes its title and description ids unique)."""
    count = len(rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(describe(rows))}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]
    for value in range(0, 11, 2):
        y = _n(_y(value))
        out.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID}" stroke-width="1"/>')
        out.append(
            f'<text x="{LEFT - 8}" y="{y}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="12" fill="{AXIS}">{value}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="{AXIS}" stroke-width="1.5"/>'
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{WIDTH - RIGHT}" y2="{TOP + PLOT_H}" '
        f'stroke="{AXIS}" stroke-width="1.5"/>'
    )
    out.append(
        f'<text x="14" y="{_n(TOP + PLOT_H / 2)}" font-size="12" fill="{AXIS}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_n(TOP + PLOT_H / 2)})">Score, 0 (none) to 10 (worst)</text>'
    )
    for index, row in enumerate(rows):
        x = _n(_x(index, count))
        out.append(
            f'<text x="{x}" y="{TOP + PLOT_H + 18}" text-anchor="middle" font-size="12" fill="{AXIS}">'
            f"{row.number}</text>"
            f'<text x="{x}" y="{TOP + PLOT_H + 33}" text-anchor="middle" font-size="11" fill="{AXIS}">'
            f"{escape(row.label())}</text>"
        )
    out.append(
        f'<text x="{_n(LEFT + PLOT_W / 2)}" y="{HEIGHT - 6}" text-anchor="middle" font-size="12" '
        f'fill="{AXIS}">Session</text>'
    )
    for position, series in enumerate(SERIES):
        points = [
            (_x(index, count), _y(getattr(row, series.field)))
            for index, row in enumerate(rows)
            if getattr(row, series.field) is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
            dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
            out.append(f'<polyline points="{path}" fill="none" stroke="{series.colour}" stroke-width="2.5"{dash}/>')
        out.extend(_marker(series.marker, x, y, series.colour) for x, y in points)
        # The legend, across the top: marker, dash and words.
        legend_x = LEFT + LEGEND_X[position]
        out.append(
            f'<line x1="{legend_x}" y1="16" x2="{legend_x + 24}" y2="16" stroke="{series.colour}" stroke-width="2.5"'
            + (f' stroke-dasharray="{series.dash}"' if series.dash else "")
            + "/>"
        )
        out.append(_marker(series.marker, legend_x + 12, 16, series.colour))
        out.append(
            f'<text x="{legend_x + 30}" y="16" dominant-baseline="middle" font-size="11" fill="{AXIS}">'
            f"{escape(series.label)}</text>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308  (every text above is escaped)
