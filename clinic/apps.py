from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"
    default = True  # this module holds the admin's config too: this one is the clinic's


class ClinicAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the clinic's site (clinic.admin_site) as `admin.site`."""

    default = False
    default_site = "clinic.admin_site.ClinicAdminSite"
