"""Admin for therapists, with their working hours and time off inline."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from booking.models import Appointment, Status
from clinic.admin_lookups import AllowListedLookups
from therapists.models import Therapist, TimeOff, WorkingHours
from therapists.services import Span, span_problems


def schedule_url(therapist: Therapist) -> str:
    """Return the appointments list filtered to the therapist's week."""
    query = urlencode({"therapist__id__exact": therapist.pk, "when": "this_week"})
    return f"{reverse('admin:booking_appointment_changelist')}?{query}"


class WorkingHoursFormSet(BaseInlineFormSet):
    """Refuse spans of one day that overlap each other before the database constraint does."""

    def clean(self) -> None:
        super().clean()
        spans: list[Span] = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not all(data.get(k) is not None for k in ("weekday", "start", "end")):
                continue
            spans.append(Span(weekday=data["weekday"], start=data["start"], end=data["end"]))
        problems = span_problems(spans)
        if problems:
            raise ValidationError(sorted(problems.values()))


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    ordering = ["weekday", "start"]


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ["start", "end", "reason", "created_at"]
    readonly_fields = ["created_at"]
    ordering = ["-start"]


@admin.register(Therapist)
class TherapistAdmin(AllowListedLookups):
    list_display = ["display_name", "email", "offers", "is_active", "schedule"]
    list_filter = ["is_active", "massage_types"]
    search_fields = ["display_name", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["massage_types"]
    ordering = ["display_name"]
    inlines = [WorkingHoursInline, TimeOffInline]
    readonly_fields = ["schedule"]
    fields = ["user", "display_name", "bio", "is_active", "massage_types", "schedule"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Therapist]:
        return super().get_queryset(request).prefetch_related("massage_types")

    @admin.display(description="e-mail", ordering="user__email")
    def email(self, obj: Therapist) -> str:
        return obj.user.email

    @admin.display(description="offers")
    def offers(self, obj: Therapist) -> str:
        return ", ".join(t.name for t in obj.massage_types.all()) or "—"

    @admin.display(description="schedule")
    def schedule(self, obj: Therapist) -> str:
        if obj.pk is None:
            return "—"
        return format_html('<a href="{}">Appointments this week</a>', schedule_url(obj))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is TimeOff:
            for time_off in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                self._warn_of_covered_sessions(request, time_off)

    def _warn_of_covered_sessions(self, request: HttpRequest, time_off: TimeOff) -> None:
        """Tell the staff when new time off covers booked sessions: they stay booked until cancelled."""
        covered = (
            Appointment.objects.filter(status=Status.CONFIRMED)
            .for_therapist(time_off.therapist_id)
            .overlapping(time_off.start, time_off.end)
            .count()
        )
        if covered:
            self.message_user(
                request,
                f"{time_off} covers {covered} booked session(s); they stay booked. "
                "Cancel them from the appointments list if the patients should be told.",
                messages.WARNING,
            )


@admin.register(WorkingHours)
class WorkingHoursAdmin(AllowListedLookups):
    list_display = ["therapist", "weekday", "start", "end"]
    list_filter = ["weekday", "therapist"]
    search_fields = ["therapist__display_name"]
    list_select_related = ["therapist"]
    autocomplete_fields = ["therapist"]
    ordering = ["therapist__display_name", "weekday", "start"]


@admin.register(TimeOff)
class TimeOffAdmin(AllowListedLookups):
    list_display = ["therapist", "start", "end", "reason", "created_at"]
    list_filter = ["therapist"]
    search_fields = ["therapist__display_name", "reason"]
    date_hierarchy = "start"
    list_select_related = ["therapist"]
    autocomplete_fields = ["therapist"]
    readonly_fields = ["created_at"]
    ordering = ["-start"]


from therapists import note_admin  # noqa: E402, F401
