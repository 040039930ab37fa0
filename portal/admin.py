"""Admin for therapists: their working hours and time off change only through `portal.services`.

The therapist's page saves its hours inline as one call of `set_working_hours`; time off is
added on its own page with the portal's form and its keep-or-cancel question, and removed
with `remove_time_off`. The working-hours and time-off lists only show the rows.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet, construct_instance
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from booking.exceptions import BookingError
from booking.models import Appointment
from clinic import dates
from clinic.admin_lookups import AllowListedLookups
from clinic.models import User
from locations.models import Location
from portal import services
from portal.forms import TimeOffForm, submit_time_off
from portal.schedule import sessions_outside_hours
from portal.services import Span, span_problems
from therapists.admin import ReadOnlyMixin
from therapists.models import Therapist, TimeOff, WorkingHours

# A therapist's hours and time off are part of the therapist: the owner changes them, the
# front desk (view only) reads them.
SCHEDULE_PERMISSION = "therapists.change_therapist"
# Where a refusal of the first, rolled-back save waits for the formset of the second pass.
REFUSAL_ATTR = "_working_hours_refusal"


def may_change_schedule(request: HttpRequest) -> bool:
    """Return whether the signed-in staff member may change therapists' working hours and time off."""
    return request.user.has_perm(SCHEDULE_PERMISSION)


def staff(request: HttpRequest) -> User:
    """Return the signed-in staff member (the admin lets no one else in)."""
    return cast(User, request.user)


def schedule_url(therapist: Therapist) -> str:
    """Return the appointments list filtered to the therapist's week."""
    query = urlencode({"therapist__id__exact": therapist.pk, "when": "this_week"})
    return f"{reverse('admin:booking_appointment_changelist')}?{query}"


def time_off_url(therapist: Therapist) -> str:
    """Return the admin page that adds and removes the therapist's time off."""
    return reverse("admin:therapists_therapist_time_off", args=[therapist.pk])


def therapist_link(therapist: Therapist) -> str:
    """Return a link to the therapist's page, where their schedule is changed."""
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:therapists_therapist_change", args=[therapist.pk]), therapist
    )


class ScheduleRefused(Exception):
    """`set_working_hours` refused the week: the admin's transaction must roll back whole."""


# --- Working hours on the therapist's page ---------------------------------------------


class WorkingHoursRowForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end", "location"]
        help_texts = {"location": "Its times are the location's wall-clock times. Left blank: the first location."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A clinic with one address never has to pick it.
        self.fields["location"].required = False

    def _post_clean(self) -> None:
        # The week is replaced whole, so a row is checked with the other rows posted (by the
        # formset, with the service's rule), never against the stored rows it replaces:
        # moving a break (09-12 and 13-17 to 09-14 and 15-17) would clash with the old 13-17.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


class WorkingHoursFormSet(BaseInlineFormSet):
    """The therapist's week as posted, checked whole by `span_problems` and saved whole by `set_working_hours`."""

    refusal: ClassVar[str | None] = None

    def kept_forms(self) -> list[forms.ModelForm]:
        """Return the rows the week will hold: stored rows not marked for removal, and new rows filled in."""
        kept = []
        for index, form in enumerate(self.forms):
            if self.can_delete and getattr(form, "cleaned_data", {}).get("DELETE"):
                continue
            if index >= self.initial_form_count() and not form.has_changed():
                continue  # an untouched blank row
            kept.append(form)
        return kept

    def spans(self) -> list[Span]:
        """Return the week the therapist will have, once the formset is valid."""
        return [
            Span(
                weekday=form.cleaned_data["weekday"],
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                # Not posted: the row's own location (the first one for a new row), as the form built it.
                location_id=location.pk
                if (location := form.cleaned_data.get("location"))
                else form.instance.location_id,
            )
            for form in self.kept_forms()
        ]

    def clean(self) -> None:
        super().clean()
        if self.refusal:
            raise ValidationError(self.refusal)
        kept = self.kept_forms()
        if any(form.errors for form in kept):
            return
        for index, message in span_problems(self.spans()).items():
            kept[index].add_error(None, message)


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    form = WorkingHoursRowForm
    formset = WorkingHoursFormSet
    extra = 0
    ordering = ["weekday", "start"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "location":
            # Hours go only where sessions can be booked; the service refuses any other place.
            kwargs["queryset"] = Location.objects.active()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        refusal = getattr(request, REFUSAL_ATTR, None)
        if refusal is not None:
            formset = type(formset.__name__, (formset,), {"refusal": refusal})
        return formset

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_change_schedule(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_change_schedule(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_change_schedule(request)


class TimeOffInline(ReadOnlyMixin, admin.TabularInline):
    """The therapist's time off, read-only: it is added on its own page, where booked sessions are asked about."""

    model = TimeOff
    extra = 0
    fields = ["start", "end", "reason", "created_at"]
    readonly_fields = ["start", "end", "reason", "created_at"]
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
    readonly_fields = ["schedule", "time_off_page"]
    fields = ["user", "display_name", "bio", "is_active", "massage_types", "schedule"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Therapist]:
        return super().get_queryset(request).prefetch_related("massage_types")

    def get_fields(self, request: HttpRequest, obj: Therapist | None = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is not None and may_change_schedule(request):
            fields.append("time_off_page")
        return fields

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

    @admin.display(description="time off")
    def time_off_page(self, obj: Therapist) -> str:
        return format_html('<a href="{}">Add time off</a> (or remove it)', time_off_url(obj))

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ScheduleRefused as refusal:
            # The refusal left the admin's transaction, so the therapist's save rolled back too.
            # Render the page again with the posted data and the refusal on the hours.
            setattr(request, REFUSAL_ATTR, str(refusal))
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is WorkingHours:
            self._save_week(request, form.instance, formset)
        elif formset.model is TimeOff:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # read-only
        else:
            super().save_formset(request, form, formset, change)

    def _save_week(self, request: HttpRequest, therapist: Therapist, formset: WorkingHoursFormSet) -> None:
        """Replace the week through the service when it changed, and say which sessions it leaves outside."""
        before = list(WorkingHours.objects.filter(therapist=therapist).order_by("weekday", "start"))
        old = {Span(row.weekday, row.start, row.end, row.location_id) for row in before}
        spans = formset.spans()
        new = set(spans)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if new == old:
            return  # the rest of the page changed, not the week: no new history
        try:
            created = services.set_working_hours(therapist=therapist, spans=spans, by=staff(request))
        except BookingError as exc:
            raise ScheduleRefused(exc.message) from exc
        # The history of the page names the spans added and removed.
        placed = {Span(row.weekday, row.start, row.end, row.location_id) for row in created}
        formset.new_objects = [
            row for row in created if Span(row.weekday, row.start, row.end, row.location_id) not in old
        ]
        formset.deleted_objects = [
            row for row in before if Span(row.weekday, row.start, row.end, row.location_id) not in placed
        ]
        outside = sessions_outside_hours(therapist, timezone.now())
        if outside:
            first = timezone.localtime(outside[0].start, outside[0].zone)
            # Changing hours never cancels anyone: say so, and point to time off for that.
            self.message_user(
                request,
                f"{len(outside)} booked session(s) of {therapist} now fall outside the working hours and stay "
                f"booked, the first on {dates.moment(first, first.tzinfo)}. "
                "To cancel them, add time off over them.",
                messages.WARNING,
            )

    # --- Time off: its own page, with the portal's form and question ------------------

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "<int:object_id>/time-off/",
                self.admin_site.admin_view(self.time_off_view),
                name="therapists_therapist_time_off",
            ),
            path(
                "<int:object_id>/time-off/<int:time_off_id>/remove/",
                self.admin_site.admin_view(self.remove_time_off_view),
                name="therapists_therapist_remove_time_off",
            ),
        ]
        return [*own, *super().get_urls()]

    def time_off_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Add the therapist's time off; over booked sessions, ask first whether to keep or cancel them."""
        if not may_change_schedule(request):
            raise PermissionDenied
        therapist = get_object_or_404(Therapist, pk=object_id)
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if request.method == "GET":
            return self._time_off_page(request, therapist, TimeOffForm())
        form = TimeOffForm(request.POST)
        if not form.is_valid():
            return self._time_off_page(request, therapist, form)
        # The portal's own step: the same question about covered sessions, the same answer.
        answer = submit_time_off(form, therapist=therapist, by=staff(request))
        if answer.question is not None:
            return self._time_off_page(
                request, therapist, answer.question, conflicts=answer.conflicts, choice_missing=answer.choice_missing
            )
        result = answer.result
        if result is None:
            return self._time_off_page(request, therapist, form)
        if result.cancelled:
            done = f"{len(result.cancelled)} session(s) cancelled and the patients notified"
        elif result.kept:
            done = f"{len(result.kept)} session(s) in it kept"
        else:
            done = ""
        self.message_user(
            request, f"Time off added for {therapist}" + (f"; {done}." if done else "."), messages.SUCCESS
        )
        return HttpResponseRedirect(time_off_url(therapist))

    def _time_off_page(
        self,
        request: HttpRequest,
        therapist: Therapist,
        form: TimeOffForm,
        conflicts: list[Appointment] | None = None,
        choice_missing: bool = False,
    ) -> HttpResponse:
        upcoming = TimeOff.objects.filter(therapist=therapist, end__gt=timezone.now()).order_by("start")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Time off of {therapist}",
            "therapist": therapist,
            "form": form,
            "conflicts": conflicts or [],
            "choice_missing": choice_missing,
            "time_off": upcoming,
            "clinic_time_zone": timezone.get_default_timezone_name(),
        }
        status = 200 if request.method == "GET" else (409 if conflicts else 400)
        return TemplateResponse(request, "admin/therapists/therapist/time_off.html", context, status=status)

    def remove_time_off_view(self, request: HttpRequest, object_id: int, time_off_id: int) -> HttpResponse:
        """Remove one of the therapist's time off ranges: its hours become bookable again."""
        if not may_change_schedule(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        entry = get_object_or_404(TimeOff.objects.select_related("therapist"), pk=time_off_id, therapist_id=object_id)
        services.remove_time_off(time_off=entry, by=staff(request))
        self.message_user(request, f"Time off removed: {entry}; those hours are bookable again.", messages.SUCCESS)
        return HttpResponseRedirect(time_off_url(entry.therapist))


# --- The lists: read-only, changes happen on the therapist's page ----------------------


@admin.register(WorkingHours)
class WorkingHoursAdmin(ReadOnlyMixin, AllowListedLookups):
    list_display = ["therapist", "weekday", "start", "end", "location", "therapist_page"]
    list_filter = ["weekday", "location", "therapist"]
    search_fields = ["therapist__display_name"]
    list_select_related = ["therapist", "location"]
    fields = ["therapist", "weekday", "start", "end", "location", "therapist_page"]
    readonly_fields = ["therapist_page"]
    ordering = ["therapist__display_name", "weekday", "start"]

    @admin.display(description="changed on the page of")
    def therapist_page(self, obj: WorkingHours) -> str:
        return therapist_link(obj.therapist)


@admin.register(TimeOff)
class TimeOffAdmin(ReadOnlyMixin, AllowListedLookups):
    list_display = ["therapist", "start", "end", "reason", "created_at", "therapist_page"]
    list_filter = ["therapist"]
    search_fields = ["therapist__display_name", "reason"]
    date_hierarchy = "start"
    list_select_related = ["therapist"]
    fields = ["therapist", "start", "end", "reason", "created_at", "therapist_page"]
    readonly_fields = ["created_at", "therapist_page"]
    ordering = ["-start"]
    actions = ["remove_selected"]

    @admin.display(description="added and removed on the page of")
    def therapist_page(self, obj: TimeOff) -> str:
        return therapist_link(obj.therapist)

    def has_remove_permission(self, request: HttpRequest) -> bool:
        return may_change_schedule(request)

    @admin.action(description="Remove selected time off", permissions=["remove"])
    def remove_selected(self, request: HttpRequest, queryset: QuerySet[TimeOff]) -> None:
        count = 0
        for entry in queryset.select_related("therapist").order_by("start"):
            services.remove_time_off(time_off=entry, by=staff(request))
            count += 1
        self.message_user(
            request, f"{count} time off range(s) removed; those hours are bookable again.", messages.SUCCESS
        )
