"""Signals of the clinic core, for the apps above it to act on."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after a user's new password is saved (sign-up excluded), with `user`: every way
# in that the old password opened (API tokens) must close.
password_changed = Signal()

# Sent after a user's account gains access to health data (made staff or superuser; the
# therapists app sends it when an account becomes a therapist), with `user`: tokens issued
# before were issued without the second factor that access requires, and must end.
access_gained = Signal()
