"""Admin for the catalogue and the appointments: every change goes through the booking services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import models, transaction
from django.db.models import Count, QuerySet
from django.forms import CheckboxSelectMultiple
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from audit.display import history_table
from audit.models import Event
from booking import admin_rooms, records, services  # noqa: F401  (admin_rooms registers the room closures)
from booking.admin_forms import (
    AppointmentAddForm,
    AppointmentChangeForm,
    AppointmentRefused,
    apply_form,
    describe_appointment,
)
from booking.admin_views import write_appointments_csv
from booking.availability import clinic_today, clinic_week
from booking.exceptions import BookingError
from booking.intake import INTAKE_FIELDS
from booking.models import Appointment, MassageType, Status
from clinic import dates
from clinic.admin_lookups import AllowListedLookups
from clinic.models import User


class BulkCancelForm(forms.Form):
    """The confirmation of a bulk cancel: why, and whether the patients are told."""

    reason = forms.CharField(
        max_length=300, widget=forms.Textarea(attrs={"rows": 2}), help_text="Kept on each appointment."
    )
    notify = forms.BooleanField(required=False, initial=True, label="Tell the patients by e-mail")


# Where a refusal of the first, rolled-back save waits for the form of the second pass.
REFUSAL_ATTR = "_appointment_refusal"


def staff(request: HttpRequest) -> User:
    """Return the signed-in staff member (the admin lets no one else in)."""
    return cast(User, request.user)


@admin.register(MassageType)
class MassageTypeAdmin(AllowListedLookups):
    list_display = ["name", "duration_minutes", "buffer_minutes", "price", "is_active", "display_order", "booked"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug", "description", "good_for"]
    prepopulated_fields = {"slug": ["name"]}
    list_editable = ["display_order"]
    ordering = ["display_order", "name"]
    actions = ["deactivate", "activate"]
    formfield_overrides = {models.ManyToManyField: {"widget": CheckboxSelectMultiple}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active", "display_order"]}),
        ("Session", {"fields": ["duration_minutes", "buffer_minutes", "price"]}),
        ("Room", {"fields": ["needs_features"]}),
        ("For patients", {"fields": ["description", "good_for"]}),
        (
            "Find the right massage",
            {
                "fields": ["suits_areas", "suits_feelings", "pressures"],
                "description": "The questionnaire suggests this massage to patients whose answers fit these.",
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MassageType]:
        return super().get_queryset(request).annotate(appointment_count=Count("appointments"))

    @admin.display(description="appointments", ordering="appointment_count")
    def booked(self, obj: MassageType) -> int:
        return obj.appointment_count  # type: ignore[attr-defined]

    @admin.action(description="Deactivate (take off the catalogue, keep the history)", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[MassageType]) -> None:
        count = queryset.update(is_active=False)
        self.message_user(request, f"{count} massage type(s) taken off the catalogue.", messages.SUCCESS)

    @admin.action(description="Activate (offer in the catalogue)", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[MassageType]) -> None:
        count = queryset.update(is_active=True)
        self.message_user(request, f"{count} massage type(s) offered in the catalogue.", messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                MassageTypeAdmin.delete_unused,
                "delete_selected",
                "Delete selected massage types (only those never booked)",
            )
        return actions

    def delete_unused(self, request: HttpRequest, queryset: QuerySet[MassageType]) -> Any:
        """Delete the selected types unless one has appointments: those are deactivated instead."""
        in_use = [str(t) for t in queryset.filter(appointments__isnull=False).distinct()]
        if in_use:
            self.message_user(request, self._in_use_message(", ".join(in_use)), messages.ERROR)
            return None
        return delete_selected(self, request, queryset)

    @staticmethod
    def _in_use_message(names: str) -> str:
        return (
            f"{names} cannot be deleted: appointments were booked with it, and they are kept. "
            "Use the action “Deactivate” (or untick “Is active”) to take it off the catalogue."
        )

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        massage_type = self.get_object(request, object_id)
        in_use = massage_type is not None and massage_type.appointments.exists()
        if massage_type is not None and in_use and self.has_delete_permission(request, massage_type):
            self.message_user(request, self._in_use_message(str(massage_type)), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:booking_massagetype_change", args=[massage_type.pk]))
        return super().delete_view(request, object_id, extra_context)


class WhenFilter(admin.SimpleListFilter):
    """Today, this week (Monday to Sunday), upcoming or past, in the clinic's zone."""

    title = "when"
    parameter_name = "when"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("today", "Today"), ("this_week", "This week"), ("upcoming", "Upcoming"), ("past", "Past")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
        now = timezone.now()
        if self.value() == "today":
            start, end = clinic_today(now)
            return queryset.filter(start__gte=start, start__lt=end)
        if self.value() == "this_week":
            start, end = clinic_week(now)
            return queryset.filter(start__gte=start, start__lt=end)
        if self.value() == "upcoming":
            return queryset.filter(start__gte=now)
        if self.value() == "past":
            return queryset.filter(start__lt=now)
        return queryset


AUDIT_FIELDS = ["sequence", "created_at", "updated_at", "cancelled_at", "cancelled_by"]
BOOKING_FIELDS = [
    "patient",
    "contact",
    "massage_type",
    "therapist",
    "start",
    "end",
    "blocked_until",
    "room",
    "price",
    "status",
]


@admin.register(Appointment)
class AppointmentAdmin(AllowListedLookups):
    form = AppointmentChangeForm
    add_form = AppointmentAddForm
    list_display = ["when", "therapist", "patient_name", "massage_type", "room", "status", "price", "red_flag"]
    list_display_links = ["when"]
    list_filter = [WhenFilter, "status", "therapist", "massage_type", "room__location"]
    search_fields = [
        "patient__email",
        "patient__first_name",
        "patient__last_name",
        "patient__phone",
        "therapist__display_name",
    ]
    date_hierarchy = "start"
    ordering = ["-start"]
    list_select_related = ["therapist", "patient", "massage_type", "room__location"]
    autocomplete_fields = ["patient", "therapist", "massage_type", "cancelled_by"]
    actions = ["cancel_selected", "mark_completed", "mark_no_show", "resend_confirmation", "export_selected"]
    list_per_page = 100

    # --- pages -------------------------------------------------------------------------

    def get_fieldsets(self, request: HttpRequest, obj: Appointment | None = None) -> Any:
        intake = ("Intake", {"fields": list(INTAKE_FIELDS)})
        if obj is None:
            return [(None, {"fields": ["patient", "therapist", "massage_type", "start", "room"]}), intake]
        return [
            (None, {"fields": BOOKING_FIELDS}),
            ("Cancellation", {"fields": ["cancellation_reason", "cancelled_at", "cancelled_by"]}),
            intake,
            ("Record", {"fields": ["sequence", "created_at", "updated_at"], "classes": ["collapse"]}),
            ("History", {"fields": ["history"]}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Appointment | None = None) -> list[str]:
        if obj is None:
            return []
        readonly = ["patient", "contact", "massage_type", "end", "blocked_until", "price", *AUDIT_FIELDS, "history"]
        if obj.status != Status.CONFIRMED:
            readonly.append("cancellation_reason")
        return readonly

    @admin.display(description="who did what")
    def history(self, obj: Appointment) -> str:
        return history_table(Event.objects.for_appointment(obj.pk))

    def get_form(self, request: HttpRequest, obj: Appointment | None = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, REFUSAL_ATTR, None)
        if refusal is not None:
            form = type(form.__name__, (form,), {"refusal": refusal})
        return form

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except AppointmentRefused as refusal:
            # The refusal left the admin's transaction, so it rolled back whole. Render the
            # page again with the posted data and the refusal as the form's error.
            setattr(request, REFUSAL_ATTR, refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Appointment, form: Any, change: bool) -> None:
        saved = apply_form(form, by=staff(request))
        for field in Appointment._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: Appointment | None = None) -> bool:
        return False  # appointments are kept: cancel instead

    @admin.display(description="start", ordering="start")
    def when(self, obj: Appointment) -> str:
        return dates.short_moment(obj.start, obj.zone)

    @admin.display(description="patient", ordering="patient__last_name")
    def patient_name(self, obj: Appointment) -> str:
        return obj.patient.get_full_name() or obj.patient.email

    @admin.display(description="red flags")
    def red_flag(self, obj: Appointment) -> str:
        # Only a "yes" is worth the eye: a column of red crosses for "none" would alarm.
        return f"{len(obj.red_flags)} yes" if obj.has_red_flags else ""

    @admin.display(description="contact")
    def contact(self, obj: Appointment) -> str:
        return format_html("{} · {}", obj.patient.email, obj.patient.phone or "no phone")

    # --- actions -----------------------------------------------------------------------

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Appointment],
        act: Callable[[Appointment, datetime], object],
        done: str,
    ) -> None:
        """Apply the act to each row in its own transaction; report the rows it refused, one message each."""
        now = timezone.now()
        count = 0
        for appointment in queryset.select_related("patient", "massage_type", "therapist").order_by("start"):
            try:
                with transaction.atomic():
                    act(appointment, now)
            except BookingError as exc:
                label = f"{appointment.therapist}: {describe_appointment(appointment)}"
                self.message_user(request, f"{label} — {exc.message}", messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} appointment(s) {done}.", messages.SUCCESS)

    @admin.action(description="Cancel the selected appointments…", permissions=["change"])
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> HttpResponse | None:
        """Ask for a reason and whether to tell the patients, then cancel each through the service."""
        form = BulkCancelForm(request.POST if request.POST.get("confirm") else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            notify = form.cleaned_data["notify"]
            self._each(
                request,
                queryset,
                lambda a, now: services.cancel(
                    appointment=a, by=staff(request), reason=reason, notify_patient=notify, now=now
                ),
                "cancelled",
            )
            return None
        rows = queryset.select_related("patient", "therapist", "massage_type", "room__location").order_by("start")
        context = {
            **self.admin_site.each_context(request),
            "title": "Cancel the selected appointments",
            "opts": self.model._meta,
            "appointments": [(appointment, describe_appointment(appointment)) for appointment in rows],
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/booking/appointment/cancel_selected.html", context)

    @admin.action(description="Mark the selected sessions completed", permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            lambda a, now: services.mark_completed(appointment=a, by=staff(request), now=now),
            "marked completed",
        )

    @admin.action(description="Mark the selected sessions no-show", permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            lambda a, now: services.mark_no_show(appointment=a, by=staff(request), now=now),
            "marked no-show",
        )

    @admin.action(description="Resend the confirmation of the selected appointments", permissions=["change"])
    def resend_confirmation(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> None:
        self._each(
            request,
            queryset,
            lambda a, now: records.resend_confirmation(appointment=a, by=staff(request), now=now),
            "given a new confirmation to send",
        )

    @admin.action(description="Export the selected appointments as CSV", permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Appointment]) -> HttpResponse:
        rows = queryset.select_related("patient", "therapist", "massage_type", "room__location").order_by("start")
        return write_appointments_csv(rows, "appointments.csv")

    # --- the filtered list as CSV ------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        export = path("export/", self.admin_site.admin_view(self.export_view), name="booking_appointment_export")
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Return the changelist as it is filtered, searched and ordered now, as CSV (staff who may view)."""
        if not self.has_view_permission(request):
            return self.changelist_view(request)  # answers 403 the admin's own way
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:booking_appointment_changelist"))
        stamp = f"{timezone.localtime():%Y%m%d-%H%M}"
        return write_appointments_csv(changelist.queryset, f"appointments-{stamp}.csv")
