"""The history as people read it: a small table for the admin's pages and the portal."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from audit.models import Event
from clinic import dates


def actor_name(event: Event) -> str:
    """Return who did it, in words."""
    if event.actor is None:
        return "the system"
    return event.actor.get_full_name() or event.actor.email


def history_table(events: Iterable[Event]) -> SafeString:
    """Return the events as an HTML table (when, who, what), oldest first as given."""
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                dates.moment(e.at),
                actor_name(e),
                e.get_kind_display(),
                e.summary + (" (a reason was given: see the appointment)" if e.data.get("reason_given") else ""),
            )
            for e in events
        ),
    )
    if not rows:
        return format_html("<p>{}</p>", "Nothing recorded yet.")
    return format_html(
        '<table class="history"><thead><tr><th scope="col">When</th><th scope="col">Who</th>'
        '<th scope="col">What</th><th scope="col">Details</th></tr></thead><tbody>{}</tbody></table>',
        rows,
    )
