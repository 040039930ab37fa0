"""Signals of the clinic core, for the apps above it to act on."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a user's new password is saved (sign-up excluded), with `user`: every way
# in that the old password opened (API tokens) must close.
password_changed = Signal()
