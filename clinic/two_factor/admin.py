"""django-otp's device admins, for the clinic owner only.

The front desk must neither see nor change anyone's second factor. The owner (a superuser)
may look at a person's devices and delete them to reset a lost phone; the person then sets
up the app again at their next sign-in. Nobody adds a device here: its secret would have
been seen by someone other than its holder. The keys and QR codes stay hidden
(OTP_ADMIN_HIDE_SENSITIVE_DATA), and so do the recovery codes themselves.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import URLPattern

# Imported first so that django-otp's own registrations exist before they are replaced.
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice


class OwnerOnlyDeviceAdmin(admin.ModelAdmin):
    """Every permission is the superuser's; adding is nobody's."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class AppDeviceAdmin(OwnerOnlyDeviceAdmin, otp_totp_admin.TOTPDeviceAdmin):
    def get_urls(self) -> list[URLPattern]:
        # Without django-otp's QR code and config pages: they would show the secret.
        return admin.ModelAdmin.get_urls(self)


class RecoveryCodesAdmin(OwnerOnlyDeviceAdmin, otp_static_admin.StaticDeviceAdmin):
    inlines = []
    readonly_fields = ["created_at", "last_used_at", "codes_left"]
    fieldsets = [*otp_static_admin.StaticDeviceAdmin.fieldsets, ("Recovery codes", {"fields": ["codes_left"]})]

    @admin.display(description="unused codes")
    def codes_left(self, device: Any) -> int:
        return int(device.token_set.count())


for model, model_admin in ((TOTPDevice, AppDeviceAdmin), (StaticDevice, RecoveryCodesAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
