"""Admin for the notification outbox (status, attempts, errors, resend)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from booking import outbox
from booking.models import Notification, NotificationStatus
from clinic.admin_lookups import AllowListedLookups


@admin.register(Notification)
class NotificationAdmin(AllowListedLookups):
    list_display = ["due_at", "kind", "status", "recipient", "appointment", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient"]
    date_hierarchy = "due_at"
    list_select_related = ["appointment__massage_type", "appointment__therapist"]
    ordering = ["-due_at", "-pk"]
    actions = ["resend"]
    fields = (
        "kind",
        "status",
        "recipient",
        "appointment",
        "therapist",
        "agenda_date",
        "sequence",
        "previous_start",
        "due_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "created_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Rows come from the booking services only; staff resend, they do not compose.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    @admin.action(description="Resend the selected sent or failed notices", permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        chosen = list(queryset.values_list("pk", "status"))
        eligible = [pk for pk, status in chosen if status in (NotificationStatus.SENT, NotificationStatus.FAILED)]
        created = outbox.resend(eligible, now=timezone.now())
        if created:
            self.message_user(request, f"Queued {len(created)} notice(s) to send again.", messages.SUCCESS)
        skipped = len(chosen) - len(eligible)
        if skipped:
            self.message_user(
                request, f"Skipped {skipped} notice(s) that are still pending, sending or void.", messages.WARNING
            )
