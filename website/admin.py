"""Admin for the clinic's users: patients with their appointments, therapists and staff.

Only a superuser grants access: other staff (the front desk) see no permission fields and
cannot change a staff account at all, so nobody can raise their own rights. Nobody but an
owner sets a password, and a therapist's or staff member's e-mail is the owner's to change
too: with either, the front desk could sign in as a therapist and read session notes. The
front desk sends the person a password-reset e-mail instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse

from audit.display import history_table
from audit.models import Event
from booking.models import Appointment, Status
from clinic import dates
from clinic.admin_lookups import AllowListedLookups
from clinic.forms import SiteMailPasswordResetForm
from clinic.models import User

PERMISSION_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
OWNER_GROUP = "Owner"  # created by clinic/migrations/0002_staff_groups.py
ACCOUNT_FIELDS = ("email", "first_name", "last_name", "phone")


def is_owner(user: Any) -> bool:
    """Return whether the signed-in person is an owner: a superuser or in the Owner group."""
    return bool(user.is_superuser or user.groups.filter(name=OWNER_GROUP).exists())


def holds_access(account: User) -> bool:
    """Return whether the account opens more than a patient's own data (staff, superuser or therapist)."""
    return account.is_staff or account.is_superuser or hasattr(account, "therapist")


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class AccountCreationForm(forms.ModelForm):
    """A new account without a password: the person chooses one from a password-reset e-mail."""

    class Meta:
        model = User
        fields = ACCOUNT_FIELDS

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class ChosenAccountResetForm(SiteMailPasswordResetForm):
    """Django's password-reset e-mail, sent to one chosen account (with or without a password yet)."""

    def __init__(self, account: User) -> None:
        super().__init__({"email": account.email})
        self.account = account

    def get_users(self, email: str) -> Any:
        return [self.account] if self.account.is_active else []


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class PatientAppointmentsInline(admin.TabularInline):
    """The patient's appointments, newest first; changed on the appointment's own page."""

    model = Appointment
    fk_name = "patient"
    verbose_name_plural = "appointments"
    fields = ["when", "massage_type", "therapist", "status"]
    readonly_fields = ["when", "massage_type", "therapist", "status"]
    ordering = ["-start"]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Appointment]:
        return super().get_queryset(request).select_related("massage_type", "therapist")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="start")
    def when(self, obj: Appointment) -> str:
        return dates.short_moment(obj.start, obj.zone)


class TherapistFilter(admin.SimpleListFilter):
    title = "therapist"
    parameter_name = "is_therapist"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Therapists"), ("no", "Not therapists")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> QuerySet[User]:
        if self.value() in ("yes", "no"):
            return queryset.filter(therapist__isnull=self.value() == "no")
        return queryset


@admin.register(User)
class UserAdmin(AllowListedLookups, BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["last_name", "first_name", "email"]
    list_display = ["email", "first_name", "last_name", "phone", "no_shows", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", TherapistFilter, "is_active", "is_superuser", "groups"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    date_hierarchy = "date_joined"
    inlines = [PatientAppointmentsInline]
    actions = ["send_password_reset"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "phone")}),
        ("Permissions", {"fields": ("is_active", *PERMISSION_FIELDS)}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "phone", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super()
            .get_queryset(request)
            .annotate(no_show_count=Count("appointments", filter=Q(appointments__status=Status.NO_SHOW)))
        )

    @admin.display(description="no-shows", ordering="no_show_count")
    def no_shows(self, obj: User) -> int:
        return obj.no_show_count  # type: ignore[attr-defined]

    def get_list_filter(self, request: HttpRequest) -> Any:
        if request.user.is_superuser:
            return self.list_filter
        return [f for f in self.list_filter if f not in ("is_superuser", "groups")]

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets if is_owner(request.user) else [(None, {"fields": ACCOUNT_FIELDS})]
        hidden = set() if is_owner(request.user) else {"password"}  # the link to set one
        if not request.user.is_superuser:
            hidden |= set(PERMISSION_FIELDS)
        shown = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ] + [("History of their appointments", {"fields": ("history",), "classes": ("collapse",)})]
        return shown if request.user.is_superuser else [*shown, ("Role", {"fields": ("is_staff",)})]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None and not is_owner(request.user):
            kwargs["form"] = AccountCreationForm
        return super().get_form(request, obj, change=change, **kwargs)

    @admin.display(description="who did what")
    def history(self, obj: User) -> str:
        return history_table(Event.objects.for_patient(obj.pk)[:200])

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = [*super().get_readonly_fields(request, obj), "history"]
        if not request.user.is_superuser:
            readonly += list(PERMISSION_FIELDS)
        if obj is not None and holds_access(obj) and not is_owner(request.user):
            readonly.append("email")  # a new address would take the password reset, and the account
        return readonly

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        if not is_owner(request.user):
            raise PermissionDenied  # the front desk sends a password-reset e-mail instead
        return super().user_change_password(request, id, form_url)

    @admin.action(description="Send password-reset e-mail", permissions=["change"])
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """E-mail each selected person a link to choose a new password; staff accounts only by an owner."""
        sent = 0
        for account in queryset.select_related("therapist"):
            if not self.has_change_permission(request, account) or not account.is_active:
                self.message_user(
                    request, f"No e-mail sent to {account}: not yours to reset, or inactive.", messages.WARNING
                )
                continue
            form = ChosenAccountResetForm(account)
            if not form.is_valid():
                self.message_user(request, f"No e-mail sent to {account}: its address is not valid.", messages.WARNING)
                continue
            form.save(
                request=request,
                use_https=request.is_secure(),
                subject_template_name="registration/password_reset_subject.txt",
                email_template_name="registration/password_reset_email.txt",
            )
            sent += 1
        if sent:
            self.message_user(request, f"Password-reset e-mail sent to {sent} person(s).", messages.SUCCESS)

    def get_inlines(self, request: HttpRequest, obj: User | None) -> Any:
        return self.inlines if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # A staff account holds access; only an owner may touch it (its e-mail or password
        # would be a way into it), and a superuser's only another superuser.
        user = request.user
        if obj is not None and not user.is_superuser and (obj.is_superuser or (obj.is_staff and not is_owner(user))):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return False
        return super().has_delete_permission(request, obj)
