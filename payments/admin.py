"""Admin for the ledger: read-only rows, money moved only by the payments services; the policy is the owner's.

Nobody edits a charge or a refund by hand. The actions (refund, approve a waiting fee,
waive one) each call one service; the front desk holds the permissions for them
(payments.0002_staff_permissions), the owner every permission here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html

from booking.exceptions import BookingError
from clinic import dates
from clinic.admin_lookups import AllowListedLookups
from clinic.models import User
from payments import policy, selectors, services
from payments.admin_views import DayFilter, StandingFilter, write_charges_csv
from payments.forms import ReasonForm, RefundAmountForm
from payments.models import Card, Charge, Policy, Refund, Terms, WebhookEvent

CHARGE_FIELDS = (
    "appointment_link",
    "patient",
    "kind",
    "amount",
    "tip",
    "currency",
    "state",
    "method",
    "card_last4",
    "failure_message",
    "attempts",
    "created_by",
    "created_at",
    "settled_at",
    "refunded",
)
REFUND_FIELDS = ("amount", "reason", "state", "created_by", "created_at", "settled_at")
CARD_FIELDS = ("user", "brand", "last4", "exp_month", "exp_year", "created_at", "removed_at")


def staff(request: HttpRequest) -> User:
    """Return the signed-in staff member (the admin lets no one else in)."""
    return cast(User, request.user)


class ReadOnlyAdmin(AllowListedLookups):
    """A ledger list: staff read it, nobody adds, changes or deletes a row by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    fields = REFUND_FIELDS
    readonly_fields = REFUND_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Policy)
class PolicyAdmin(AllowListedLookups):
    """The one policy row: the owner changes it; its first values came from the environment."""

    fieldsets = [
        ("Booking", {"fields": ["card_required", "deposit_rule", "deposit_amount", "deposit_percent"]}),
        ("Late changes", {"fields": ["late_cancel_fee_percent", "no_show_fee_percent", "no_show_needs_approval"]}),
        ("Where it started", {"fields": ["online_payments", "environment_defaults", "updated_at"]}),
    ]
    readonly_fields = ["online_payments", "environment_defaults", "updated_at"]
    list_display = [
        "__str__",
        "card_required",
        "deposit_rule",
        "deposit_amount",
        "deposit_percent",
        "late_cancel_fee_percent",
        "no_show_fee_percent",
        "no_show_needs_approval",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # one row, made from the environment's defaults when first read

    def has_delete_permission(self, request: HttpRequest, obj: Policy | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if self.has_view_or_change_permission(request):
            policy.current_policy()  # the one row exists from the first look, with the environment's values
        return super().changelist_view(request, extra_context)

    @admin.display(description="online payments")
    def online_payments(self, obj: Policy) -> str:
        if policy.online_payments_on():
            return "On: cards are saved and charged through Stripe."
        return "Off (no STRIPE_SECRET_KEY): no card, deposit or fee is asked; the desk takes cash or the terminal."

    @admin.display(description="environment's defaults")
    def environment_defaults(self, obj: Policy) -> str:
        return (
            f"PAYMENTS_CARD_REQUIRED={settings.PAYMENTS_CARD_REQUIRED}, "
            f"PAYMENTS_DEPOSIT_PERCENT={settings.PAYMENTS_DEPOSIT_PERCENT}, "
            f"PAYMENTS_LATE_CANCEL_FEE_PERCENT={settings.PAYMENTS_LATE_CANCEL_FEE_PERCENT}, "
            f"PAYMENTS_NO_SHOW_FEE_PERCENT={settings.PAYMENTS_NO_SHOW_FEE_PERCENT}, "
            f"PAYMENTS_NO_SHOW_NEEDS_APPROVAL={settings.PAYMENTS_NO_SHOW_NEEDS_APPROVAL}"
        )


class _Refused(Exception):
    """A refund of the selection was refused: roll back every one of them."""


@admin.register(Charge)
class ChargeAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "appointment_link",
        "patient",
        "kind",
        "amount",
        "tip",
        "state",
        "method",
        "card_last4",
        "refunded",
        "settled",
    ]
    list_filter = [StandingFilter, DayFilter, "kind", "method", "state"]
    date_hierarchy = "created_at"
    search_fields = [
        "appointment__patient__email",
        "appointment__patient__first_name",
        "appointment__patient__last_name",
    ]
    list_select_related = ["appointment__patient", "appointment__room__location", "appointment__massage_type"]
    actions = ["refund_selected", "approve_selected", "waive_selected", "export_selected"]
    inlines = [RefundInline]
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[Charge]:
        return selectors.with_refunded(super().get_queryset(request))

    def get_fields(self, request: HttpRequest, obj: Charge | None = None) -> tuple[str, ...]:
        # The PaymentIntent's id is for the owner's reconciling with Stripe, not the desk's.
        return (*CHARGE_FIELDS, "provider_id") if request.user.has_perm("payments.change_policy") else CHARGE_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Charge | None = None) -> tuple[str, ...]:
        return self.get_fields(request, obj)

    # --- columns -------------------------------------------------------------------------

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Charge) -> str:
        return dates.short_moment(obj.created_at)

    @admin.display(description="settled", ordering="settled_at")
    def settled(self, obj: Charge) -> str:
        return dates.short_moment(obj.settled_at) if obj.settled_at else "—"

    @admin.display(description="appointment", ordering="appointment__start")
    def appointment_link(self, obj: Charge) -> str:
        appointment = obj.appointment
        url = reverse("admin:booking_appointment_change", args=[appointment.pk])
        words = f"{appointment.massage_type}, {dates.short_moment(appointment.start, appointment.zone)}"
        return format_html('<a href="{}">{}</a>', url, words)

    @admin.display(description="patient", ordering="appointment__patient__last_name")
    def patient(self, obj: Charge) -> str:
        person = obj.appointment.patient
        return person.get_full_name() or person.email

    @admin.display(description="refunded")
    def refunded(self, obj: Charge) -> Decimal:
        return obj.refunded  # type: ignore[attr-defined,no-any-return]

    # --- the filtered list: totals per day and CSV --------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if "cl" in context and not isinstance(response, HttpResponseRedirect):
            context["day_totals"] = selectors.totals_per_day(context["cl"].queryset)
            context["currency"] = settings.CURRENCY.upper()
        return response

    def get_urls(self) -> list[URLPattern]:
        export = path("export/", self.admin_site.admin_view(self.export_view), name="payments_charge_export")
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Return the charges as filtered, searched and ordered now, as CSV (staff who may view charges)."""
        if not self.has_view_permission(request):
            return self.changelist_view(request)  # answers 403 the admin's own way
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:payments_charge_changelist"))
        return write_charges_csv(changelist.queryset, f"charges-{timezone.localtime():%Y%m%d-%H%M}.csv")

    @admin.action(description="Export the selected charges as CSV", permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[Charge]) -> HttpResponse:
        return write_charges_csv(queryset.order_by("created_at", "pk"), "charges.csv")

    # --- actions: each through one service ----------------------------------------------

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.refund_charge")

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("payments.decide_fee")

    def _page(self, request: HttpRequest, template: str, title: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/payments/charge/{template}",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                **context,
            },
        )

    @admin.action(description="Refund the selected charges…", permissions=["refund"])
    def refund_selected(self, request: HttpRequest, queryset: QuerySet[Charge]) -> HttpResponse | None:
        """Ask how much of each paid charge to give back and why, then refund them all or none."""
        charges = list(queryset.select_related("appointment__patient").order_by("created_at", "pk"))
        payable = [(charge, services.refundable(charge)) for charge in charges]
        nothing = [charge for charge, left in payable if left <= 0]
        confirmed = bool(request.POST.get("confirm"))
        data = request.POST if confirmed else None
        forms = [RefundAmountForm(data, charge=charge, left=left) for charge, left in payable if left > 0]
        reason = ReasonForm(data)
        if not forms:
            self.message_user(request, "Nothing of the selected charges is left to refund.", messages.WARNING)
            return None
        if confirmed and reason.is_valid() and all(form.is_valid() for form in forms):
            try:
                with transaction.atomic():
                    for form in forms:
                        self._refund_one(request, form, reason)
            except _Refused:
                pass
            else:
                total = sum((form.cleaned_data["amount"] for form in forms), Decimal("0"))
                self.message_user(
                    request, f"Refunded {policy.money(total)} on {len(forms)} charge(s).", messages.SUCCESS
                )
                return None
        return self._page(
            request,
            "refund_selected.html",
            "Refund the selected charges",
            forms=forms,
            reason=reason,
            nothing=nothing,
        )

    def _refund_one(self, request: HttpRequest, form: RefundAmountForm, reason: ReasonForm) -> None:
        try:
            services.refund(
                charge=form.charge,
                by=staff(request),
                amount=form.cleaned_data["amount"],
                reason=reason.cleaned_data["reason"],
            )
        except BookingError as exc:
            fields = dict(exc.fields)
            if "reason" in fields:
                reason.add_error("reason", fields.pop("reason"))
            form.add_error("amount" if "amount" in fields else None, fields.get("amount") or exc.message)
            raise _Refused from exc

    def _each(self, request: HttpRequest, queryset: QuerySet[Charge], act: Any, done: str) -> None:
        """Apply the act to each charge in its own transaction; name the ones it refused, one message each."""
        count = 0
        for charge in queryset.select_related("appointment__patient").order_by("created_at", "pk"):
            try:
                act(charge)
            except BookingError as exc:
                self.message_user(request, f"{policy.describe(charge)} — {exc.message}", messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, f"{count} fee(s) {done}.", messages.SUCCESS)

    @admin.action(description="Approve the selected no-show fees (charge the saved card)", permissions=["decide"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[Charge]) -> None:
        self._each(
            request,
            queryset,
            lambda charge: services.approve_fee(charge=charge, by=staff(request)),
            "approved",
        )

    @admin.action(description="Waive the selected fees…", permissions=["decide"])
    def waive_selected(self, request: HttpRequest, queryset: QuerySet[Charge]) -> HttpResponse | None:
        """Ask why, then let the patients off each fee not yet paid through the service."""
        reason = ReasonForm(request.POST if request.POST.get("confirm") else None)
        if reason.is_bound and reason.is_valid():
            words = reason.cleaned_data["reason"]
            self._each(
                request,
                queryset,
                lambda charge: services.waive_fee(charge=charge, by=staff(request), reason=words),
                "waived",
            )
            return None
        charges = list(queryset.select_related("appointment__patient").order_by("created_at", "pk"))
        return self._page(
            request,
            "waive_selected.html",
            "Waive the selected fees",
            charges=[(charge, policy.describe(charge)) for charge in charges],
            reason=reason,
        )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "charge", "patient", "amount", "reason", "state", "created_by", "settled_at"]
    list_filter = [DayFilter, "state", "charge__method", "charge__kind"]
    search_fields = ["charge__appointment__patient__email", "charge__appointment__patient__last_name"]
    list_select_related = ["charge__appointment__patient", "created_by"]
    fields = ("charge", "amount", "reason", "state", "failure_message", "attempts", "created_by", "created_at")
    readonly_fields = (*fields, "settled_at")

    @admin.display(description="patient", ordering="charge__appointment__patient__last_name")
    def patient(self, obj: Refund) -> str:
        person = obj.charge.appointment.patient
        return person.get_full_name() or person.email


@admin.register(Terms)
class TermsAdmin(ReadOnlyAdmin):
    list_display = ["appointment", "price", "deposit", "late_cancel_fee", "no_show_fee", "no_show_needs_approval"]
    list_filter = ["card_required", "no_show_needs_approval"]
    search_fields = ["appointment__patient__email", "appointment__patient__last_name"]
    list_select_related = ["appointment"]


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    """The patients' saved cards as Stripe described them: brand and last four, never the card's id there."""

    list_display = ["user", "brand", "last4", "exp_month", "exp_year", "created_at", "removed_at"]
    list_filter = ["brand"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user"]
    fields = CARD_FIELDS
    readonly_fields = CARD_FIELDS


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "type", "event_id", "object_id", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id", "object_id"]
    date_hierarchy = "received_at"
