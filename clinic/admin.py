"""Admin for the clinic's users: patients with their appointments, therapists and staff.

Only a superuser grants access: other staff (the front desk) see no permission fields and
cannot change a staff account at all, so nobody can raise their own rights.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from booking.models import Appointment, Status
from clinic.admin_lookups import AllowListedLookups
from clinic.models import User

PERMISSION_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


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
        local = timezone.localtime(obj.start)
        return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


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
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in PERMISSION_FIELDS]})
            for name, options in fieldsets
        ] + [("Role", {"fields": ("is_staff",)})]

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += list(PERMISSION_FIELDS)
        return readonly

    def get_inlines(self, request: HttpRequest, obj: User | None) -> Any:
        return self.inlines if obj is not None else []

    def has_change_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        # A staff account holds access; only a superuser may touch it (its e-mail or
        # password would be a way into it).
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return False
        return super().has_delete_permission(request, obj)
