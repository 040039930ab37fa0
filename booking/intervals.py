"""Half-open interval arithmetic on aware datetimes: merge, subtract, and grid starts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Return the union of the intervals as sorted, disjoint intervals (touching ones joined)."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(free: list[Interval], busy: list[Interval]) -> list[Interval]:
    """Return the parts of sorted disjoint `free` not covered by sorted disjoint `busy`."""
    result: list[Interval] = []
    j = 0
    for start, end in free:
        cursor = start
        while j < len(busy) and busy[j][1] <= cursor:
            j += 1
        k = j
        while k < len(busy) and busy[k][0] < end:
            busy_start, busy_end = busy[k]
            if busy_start > cursor:
                result.append((cursor, busy_start))
            cursor = max(cursor, busy_end)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def grid_starts(
    window: Interval, length: timedelta, grid: timedelta, earliest: datetime, origin: datetime
) -> Iterable[datetime]:
    """Yield each start on the grid (counted from `origin`) where [start, start+length) fits the window."""
    window_start, window_end = window
    first = max(window_start, earliest)
    offset = (first - origin) % grid
    start = first if not offset else first + (grid - offset)
    while start + length <= window_end:
        yield start
        start += grid
