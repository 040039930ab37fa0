"""The clinic's guidance on massage for back pain: which sections exist and when they were reviewed.

The words themselves live in templates/site/guidance/, one template per section, so staff
edit the text in one folder; this module only orders the sections and dates the review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from booking.intake import RED_FLAGS

LAST_REVIEWED = date(2026, 11, 24)
TEMPLATE_DIR = "site/guidance"


@dataclass(frozen=True)
class Section:
    """One part of the guidance page: its anchor, heading and template."""

    slug: str
    title: str

    @property
    def template(self) -> str:
        return f"{TEMPLATE_DIR}/{self.slug.replace('-', '_')}.html"


SECTIONS: tuple[Section, ...] = (
    Section("how-it-helps", "How massage helps a sore back"),
    Section("who-it-suits", "Who it suits"),
    Section("before-you-book", "Before you book: your needs and your provider"),
    Section("choosing", "Choosing a massage, how often, and how firm"),
    Section("good-session", "What a good session looks like"),
    Section("between-sessions", "Helping your back between sessions"),
    Section("pain-medication", "A word on pain medication"),
    Section("see-a-doctor", "When to see a doctor instead"),
)


def red_flag_questions() -> list[str]:
    """Return the warning signs, worded as the booking intake asks them."""
    return list(RED_FLAGS.values())
