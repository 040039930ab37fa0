"""The clinic's one date and time style: the functions, their template filters and the templates that use them."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from clinic import dates

BOSTON = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
# Wednesday 4 March 2026, 10:00 in Boston (EST), 15:00Z.
WED_10 = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
DASH = "\u2013"


def render(source: str, **context: object) -> str:
    return Template("{% load tz clinic_dates %}" + source).render(Context(context))


def test_each_format_in_the_clinics_zone() -> None:
    with timezone.override(BOSTON):
        assert dates.long_day(WED_10) == "Wednesday, March 4, 2026"
        assert dates.short_day(WED_10) == "Wed, Mar 4"
        assert dates.clock(WED_10) == "10:00 AM"
        assert dates.moment(WED_10) == "Wednesday, March 4, 2026 at 10:00 AM"
        assert dates.short_moment(WED_10) == "Wed, Mar 4, 10:00 AM"
        assert dates.clock_span(WED_10, WED_10.replace(hour=16)) == f"10:00{DASH}11:00 AM"
        assert dates.short_span(WED_10, WED_10.replace(hour=16)) == f"Wed, Mar 4, 10:00{DASH}11:00 AM"
        assert dates.zone_abbreviation(WED_10) == "EST"


def test_the_clock_is_twelve_hour_with_noon_and_midnight_as_twelve() -> None:
    assert dates.clock(time(0, 0)) == "12:00 AM"
    assert dates.clock(time(9, 5)) == "9:05 AM"
    assert dates.clock(time(12, 0)) == "12:00 PM"
    assert dates.clock(time(23, 45)) == "11:45 PM"


def test_a_span_names_am_or_pm_once_unless_it_crosses_noon() -> None:
    assert dates.clock_span(time(14, 0), time(15, 30)) == f"2:00{DASH}3:30 PM"
    assert dates.clock_span(time(11, 30), time(12, 30)) == f"11:30 AM{DASH}12:30 PM"
    assert dates.clock_span(time(9, 0), time(17, 0)) == f"9:00 AM{DASH}5:00 PM"


def test_a_calendar_date_is_not_moved_by_any_zone() -> None:
    with timezone.override(ZoneInfo("Pacific/Kiritimati")):
        assert dates.long_day(date(2026, 3, 4)) == "Wednesday, March 4, 2026"
        assert dates.short_day(date(2026, 3, 4)) == "Wed, Mar 4"


def test_the_wall_clock_holds_on_both_sides_of_the_spring_change() -> None:
    # The clocks go forward on Sunday 8 March 2026: 9:00 AM is 14:00Z before, 13:00Z after.
    saturday = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    assert dates.moment(saturday, BOSTON) == "Saturday, March 7, 2026 at 9:00 AM"
    assert dates.moment(monday, BOSTON) == "Monday, March 9, 2026 at 9:00 AM"
    assert (dates.zone_abbreviation(saturday, BOSTON), dates.zone_abbreviation(monday, BOSTON)) == ("EST", "EDT")


def test_a_span_across_the_autumn_change_keeps_each_end_on_its_own_clock() -> None:
    # 1 November 2026: 1:30 AM EDT, then an hour later it is 1:30 AM again, in EST.
    start = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    end = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert dates.clock_span(start, end, BOSTON) == f"1:30{DASH}1:30 AM"
    assert dates.zone_abbreviation(start, BOSTON) == "EDT"
    assert dates.zone_abbreviation(end, BOSTON) == "EST"


def test_a_london_session_is_shown_on_londons_clock_and_date() -> None:
    # 00:30 in London on Wednesday 4 March is 7:30 PM on Tuesday in Boston.
    late = datetime(2026, 3, 4, 0, 30, tzinfo=LONDON)
    assert dates.moment(late, LONDON) == "Wednesday, March 4, 2026 at 12:30 AM"
    assert dates.moment(late, BOSTON) == "Tuesday, March 3, 2026 at 7:30 PM"
    # London goes to summer time on 29 March, three weeks after Boston.
    spring = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert dates.short_moment(spring, LONDON) == "Mon, Mar 30, 9:00 AM"
    assert dates.zone_abbreviation(spring, LONDON) == "BST"
    assert dates.zone_abbreviation(WED_10, LONDON) == "GMT"


def test_each_filter_writes_the_style_in_the_active_zone() -> None:
    end = WED_10.replace(hour=16)
    with timezone.override(BOSTON):
        assert render("{{ at|long_day }}", at=WED_10) == "Wednesday, March 4, 2026"
        assert render("{{ at|short_day }}", at=WED_10) == "Wed, Mar 4"
        assert render("{{ at|clock }}", at=WED_10) == "10:00 AM"
        assert render("{{ at|moment }}", at=WED_10) == "Wednesday, March 4, 2026 at 10:00 AM"
        assert render("{{ at|short_moment }}", at=WED_10) == "Wed, Mar 4, 10:00 AM"
        assert render("{{ at|clock_span:end }}", at=WED_10, end=end) == f"10:00{DASH}11:00 AM"
        assert render("{{ at|short_span:end }}", at=WED_10, end=end) == f"Wed, Mar 4, 10:00{DASH}11:00 AM"
        assert render("{{ at|zone_abbreviation }}", at=WED_10) == "EST"
        assert render("{{ day|long_day }}", day=date(2026, 3, 4)) == "Wednesday, March 4, 2026"


def test_a_filter_inside_a_timezone_block_speaks_the_locations_zone() -> None:
    source = "{% timezone zone %}{{ at|moment }} {{ at|zone_abbreviation }}{% endtimezone %}"
    with timezone.override(BOSTON):
        assert render(source, at=WED_10, zone=LONDON) == "Wednesday, March 4, 2026 at 3:00 PM GMT"
        assert render("{{ at|moment:zone }}", at=WED_10, zone=LONDON) == "Wednesday, March 4, 2026 at 3:00 PM"


def test_a_missing_value_renders_as_nothing() -> None:
    assert render("[{{ at|moment }}{{ at|clock_span:at }}{{ at|long_day }}]", at=None) == "[]"
    assert render("[{{ at|short_moment }}]", at="") == "[]"


# A display format: |date:"..." or |time:"..." with anything but the machine formats below.
DISPLAY_FORMAT = re.compile(r"""\|\s*(date|time)\s*:\s*(["'])(?P<format>.*?)\2""")
MACHINE_FORMATS = {"c", "Y-m-d", "Ymd"}
# Someone else's pages, written to their own brief.
NOT_SCANNED = ("frontdesk",)


def test_no_template_formats_a_date_for_display_outside_the_filters() -> None:
    root = Path(settings.BASE_DIR) / "templates"
    offenders = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.relative_to(root).parts[0] in NOT_SCANNED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in DISPLAY_FORMAT.finditer(line):
                if match["format"] not in MACHINE_FORMATS:
                    offenders.append(f"{path.relative_to(root)}:{number}: {match.group(0)}")
            if re.search(r"\|\s*(date|time)\s*(\}\}|\|)", line):  # the default format is a display one too
                offenders.append(f"{path.relative_to(root)}:{number}: bare |date or |time")
    assert offenders == []


@pytest.mark.parametrize("line", ['{{ a|date:"l, F j" }}', "{{ a|time:'H:i' }}", "{{ a|date }}"])
def test_the_scan_catches_a_display_format(line: str) -> None:
    caught = any(m["format"] not in MACHINE_FORMATS for m in DISPLAY_FORMAT.finditer(line))
    assert caught or re.search(r"\|\s*(date|time)\s*(\}\}|\|)", line)
