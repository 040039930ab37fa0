"""The waitlist in admin: who waits for which day and massage, the offers, and offering a slot by hand.

Entries and offers are read-only here: patients join and answer, the services offer. Staff
with the entry's change permission offer a free slot that fits to a chosen entry, through
`waitlist.services.offer` (the same hold and e-mail as the waitlist's own offers).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from booking.exceptions import BookingError
from clinic import dates
from clinic.admin_lookups import AllowListedLookups
from clinic.models import User
from therapists.models import Therapist
from waitlist import matching, services
from waitlist.models import Offer, WaitlistEntry

DAYS_SHOWN = 14


class WaitingOnFilter(admin.SimpleListFilter):
    """Entries whose dates cover a day of the next two weeks (clinic time)."""

    title = "waiting on"
    parameter_name = "day"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        today = timezone.localdate()
        days = [today + timedelta(days=offset) for offset in range(DAYS_SHOWN)]
        return [(day.isoformat(), dates.short_day(day)) for day in days]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        try:
            day = datetime.strptime(str(self.value()), "%Y-%m-%d").date()
        except ValueError:
            return queryset.none()
        covering = queryset.filter(date_from__lte=day, date_to__gte=day)
        # The weekdays in Python: JSON containment is not a lookup every database has (SQLite).
        ids = [pk for pk, weekdays in covering.values_list("pk", "weekdays") if day.weekday() in weekdays]
        return queryset.filter(pk__in=ids)


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(AllowListedLookups):
    list_display = ["patient", "massage_type", "location", "date_from", "date_to", "window", "joined_at", "state"]
    list_filter = [WaitingOnFilter, "state", "massage_type", "location"]
    search_fields = ["patient__email", "patient__first_name", "patient__last_name"]
    list_select_related = ["patient", "massage_type", "location"]
    ordering = ["joined_at", "pk"]
    readonly_fields = ENTRY_FIELDS = (
        "patient",
        "massage_type",
        "location",
        "therapists",
        "date_from",
        "date_to",
        "weekdays",
        "time_from",
        "time_to",
        "joined_at",
        "state",
        "ended_at",
        "offer_link",
    )
    fields = ENTRY_FIELDS

    @admin.display(description="times")
    def window(self, obj: WaitlistEntry) -> str:
        return f"{dates.clock_span(obj.time_from, obj.time_to)}, {len(obj.weekdays)} days a week"

    @admin.display(description="offer a slot")
    def offer_link(self, obj: WaitlistEntry) -> str:
        url = reverse("admin:waitlist_waitlistentry_offer", args=[obj.pk])
        return format_html('<a href="{}">Offer a free slot that fits this entry</a>', url)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WaitlistEntry | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        offer = path(
            "<int:pk>/offer/", self.admin_site.admin_view(self.offer_view), name="waitlist_waitlistentry_offer"
        )
        return [offer, *super().get_urls()]

    def offer_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """List the free slots that fit the entry; offer the chosen one to its patient (held and e-mailed)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(WaitlistEntry.objects.select_related("patient", "massage_type", "location"), pk=pk)
        now = timezone.now()
        if request.method == "POST":
            try:
                therapist = get_object_or_404(Therapist, pk=int(request.POST.get("therapist", "0")))
                start = datetime.fromisoformat(str(request.POST.get("start", "")))
                services.offer(entry=entry, therapist=therapist, start=start, by=cast(User, request.user), now=now)
            except (ValueError, BookingError) as exc:
                message = exc.message if isinstance(exc, BookingError) else "Choose one of the slots listed."
                self.message_user(request, f"Nothing was offered: {message}", messages.ERROR)
            else:
                self.message_user(request, f"Offered to {entry.patient} and e-mailed; the slot is held.")
                return HttpResponseRedirect(reverse("admin:waitlist_waitlistentry_change", args=[entry.pk]))
        therapists = {t.pk: t for t in Therapist.objects.all()}
        slots = [
            {"slot": slot, "therapist": therapists[slot.therapist_id], "value": slot.start.isoformat()}
            for slot in matching.slots_for(entry, now=now)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Offer a slot to {entry.patient}",
            "entry": entry,
            "slots": slots,
            "open": entry.state == "active",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/waitlist/offer.html", context)


@admin.register(Offer)
class OfferAdmin(AllowListedLookups):
    list_display = ["entry", "slot", "state", "offered_at", "expires_at", "offered_by"]
    list_filter = ["state"]
    list_select_related = ["entry__patient", "entry__massage_type", "appointment__therapist", "offered_by"]
    readonly_fields = ["entry", "appointment", "state", "offered_at", "expires_at", "decided_at", "offered_by"]
    fields = tuple(readonly_fields)

    @admin.display(description="slot")
    def slot(self, obj: Offer) -> str:
        return f"{obj.appointment.therapist}, {dates.moment(obj.appointment.start)}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Offer | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Offer | None = None) -> bool:
        return False
