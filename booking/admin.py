"""Admin for the catalogue and the appointments."""

from __future__ import annotations

from django.contrib import admin

from booking.models import Appointment, MassageType


@admin.register(MassageType)
class MassageTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "buffer_minutes", "price", "is_active", "display_order"]
    list_filter = ["is_active"]
    search_fields = ["name", "description", "good_for"]
    prepopulated_fields = {"slug": ["name"]}
    list_editable = ["display_order"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start", "therapist", "patient", "massage_type", "status", "price"]
    list_filter = ["status", "therapist", "massage_type"]
    search_fields = ["patient__email", "patient__first_name", "patient__last_name", "therapist__display_name"]
    date_hierarchy = "start"
    list_select_related = ["therapist", "patient", "massage_type"]
    autocomplete_fields = ["patient", "therapist", "massage_type"]
    readonly_fields = ["created_at", "updated_at", "cancelled_at", "cancelled_by"]


from booking import notification_admin  # noqa: E402, F401  (registers the outbox's admin)
