"""Half-open interval arithmetic on aware datetimes: merge, subtract, intersect, and grid starts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo

Interval = tuple[datetime, datetime]

# Datetimes count in whole microseconds, so the instants s <= last are exactly the s < last + 1 µs:
# a set of starts is kept as half-open intervals like any other.
TICK = timedelta(microseconds=1)


def merge(intervals: list[Interval] | Iterator[Interval]) -> list[Interval]:
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


def _wall_clock_remainder(instant: datetime, zone: tzinfo, grid: timedelta) -> timedelta:
    """Return how far the instant's wall-clock time of day in `zone` is past the last grid line."""
    local = instant.astimezone(zone)
    since_midnight = timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    return since_midnight % grid


def _utc(instant: datetime) -> datetime:
    return instant if instant.tzinfo is UTC else instant.astimezone(UTC)


def grid_starts(
    window: Interval, length: timedelta, grid: timedelta, earliest: datetime, latest: datetime, zone: tzinfo
) -> list[datetime]:
    """Return the UTC starts on the wall-clock grid of `zone` where [start, start+length) fits the window.

    Only starts between `earliest` and `latest` (inclusive) count. The grid is counted from
    local midnight (09:00, 09:15, ... on either side of a DST change). Arithmetic is done
    in UTC: Python adds and compares datetimes sharing one tzinfo by wall clock, which is
    wrong by an hour across a DST change.
    """
    first = max(_utc(window[0]), _utc(earliest))
    last = min(_utc(window[1]) - length, _utc(latest))
    if first > last:
        return []
    remainder = _wall_clock_remainder(first, zone, grid)
    start = first + (grid - remainder) if remainder else first
    if start > last:
        return []
    # The UTC offset is the same at both ends on all but two days a year: then the grid
    # lines are evenly spaced in UTC and need no per-step time zone lookup.
    if first.astimezone(zone).utcoffset() == last.astimezone(zone).utcoffset():
        return [start + step * grid for step in range((last - start) // grid + 1)]
    starts = []
    while start <= last:
        remainder = _wall_clock_remainder(start, zone, grid)
        if remainder:
            start += grid - remainder
            continue
        starts.append(start)
        start += grid
    return starts


def intersect(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """Return the parts common to two sorted disjoint interval lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] <= second[j][1]:
            i += 1
        else:
            j += 1
    return result
