"""Text people type that ends up in e-mail headers, calendar files and CSV: one line, no control characters."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Cc: C0/C1 controls (CR, LF, TAB, ESC, NUL...); Cf: invisible format marks (bidi overrides,
# zero-width joiners) that make one name look like another; Zl/Zp: the Unicode line breaks.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
MESSAGE = "Use letters, spaces and punctuation only: no line breaks, tabs or other control characters."


def has_control_characters(value: str) -> bool:
    """Return whether the text holds a line break, a control character or an invisible format mark."""
    return any(unicodedata.category(char) in REFUSED_CATEGORIES for char in value)


def validate_single_line(value: str) -> None:
    """Raise ValidationError if the text holds line breaks or other control characters."""
    if value and has_control_characters(value):
        raise ValidationError(MESSAGE, code="control_characters")
