"""The clinic's admin site: sign-in failures limited like the site's, list lookups allow-listed.

Installed as the default site by clinic.apps.ClinicAdminConfig, so `admin.site` and every
`@admin.register` (ours and the libraries') use it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse

from clinic import login_throttle
from clinic.admin_lookups import with_allow_listed_lookups


class AdminSignInForm(login_throttle.LimitedSignInFormMixin, AdminAuthenticationForm):
    """Django's admin sign-in form; failures count against the same limit as the site's and the API's."""


class ClinicAdminSite(admin.AdminSite):
    login_form = AdminSignInForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """Show Django's admin sign-in; answer 429 Too Many Requests while sign-in is closed."""
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if form is not None and form.has_error(NON_FIELD_ERRORS, code=login_throttle.CODE):
            response.status_code = 429
            seconds = getattr(form, "locked_for", None)
            response["Retry-After"] = str(seconds or int(login_throttle.WINDOW.total_seconds()))
        return response

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        # Every admin, a library's too, filters its lists only by its own filters.
        super().register(model_or_iterable, with_allow_listed_lookups(admin_class or admin.ModelAdmin), **options)
