"""Read-only admin for therapists' session notes, with every revision inline.

Notes are written only by the session's therapist in the portal; staff read them here and
can change nothing, so the history stays as the therapist left it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from clinic.admin_lookups import AllowListedLookups
from therapists.models import SessionNote, SessionNoteRevision

CONTENT_FIELDS = ("subjective", "objective", "assessment", "plan", "pain_after")
REVISION_FIELDS: tuple[str, ...] = ("number", "created_at", "author", *CONTENT_FIELDS)
NOTE_FIELDS: tuple[str, ...] = ("appointment", "revision", "created_at", "updated_at", "updated_by", *CONTENT_FIELDS)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SessionNoteRevisionInline(ReadOnlyMixin, admin.StackedInline):
    model = SessionNoteRevision
    extra = 0
    can_delete = False
    fields = REVISION_FIELDS
    readonly_fields = REVISION_FIELDS
    ordering = ["-number"]


@admin.register(SessionNote)
class SessionNoteAdmin(ReadOnlyMixin, AllowListedLookups):
    list_display = ["appointment", "therapist", "patient", "revision", "updated_at", "updated_by"]
    list_select_related = ["appointment__therapist", "appointment__patient", "appointment__massage_type", "updated_by"]
    list_filter = ["appointment__therapist"]
    search_fields = [
        "appointment__patient__email",
        "appointment__patient__last_name",
        "appointment__therapist__display_name",
    ]
    date_hierarchy = "updated_at"
    fields = NOTE_FIELDS
    readonly_fields = NOTE_FIELDS
    inlines = [SessionNoteRevisionInline]

    @admin.display(description="therapist", ordering="appointment__therapist__display_name")
    def therapist(self, note: SessionNote) -> str:
        return str(note.appointment.therapist)

    @admin.display(description="patient", ordering="appointment__patient__last_name")
    def patient(self, note: SessionNote) -> str:
        return note.appointment.patient.get_full_name() or note.appointment.patient.email
