"""The two-factor pages: set up the app, confirm a sign-in with a code, replace the recovery codes.

Only for signed-in people who can read health data (staff and therapists); anyone else
signed in gets 404, the anonymous are sent to sign in. Nothing here is cached: the pages
show secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clinic.two_factor import services
from clinic.two_factor.forms import EnrolForm, RecoveryCodeForm, SignInCodeForm
from clinic.views.accounts import _safe_next


def for_health_data_readers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let in the signed-in who need a second factor; send the anonymous to sign in; 404 for the rest."""

    @wraps(view)
    @never_cache
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not services.requires_second_factor(request.user):
            raise Http404("Two-factor sign-in is for the clinic's staff and therapists.")
        return view(request, *args, **kwargs)

    return wrapper


def _next(request: HttpRequest) -> str:
    """Return where to go once verified: the ?next= address on this site, else the person's own place."""
    if request.POST.get("next") or request.GET.get("next"):
        return _safe_next(request)
    if request.user.is_staff:
        return reverse("admin:index")
    return reverse("therapists:day")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}" if next_url else reverse(url_name)


def _is_verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def _qr_data_uri(url: str) -> str:
    """Return the otpauth:// URL as a QR code, an SVG in a data: URI (no script, no external image)."""
    return segno.make(url, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _show_codes(request: HttpRequest, codes: list[str], *, first_time: bool) -> HttpResponse:
    return render(
        request,
        "two_factor/recovery_codes.html",
        {"codes": codes, "first_time": first_time, "next": _next(request)},
    )


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
@for_health_data_readers
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (QR code, secret, a code to confirm); once set up, show its state."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if services.has_confirmed_device(user):
        if not _is_verified(request):
            return HttpResponseRedirect(_with_next("two_factor:verify", request.get_full_path()))
        return render(
            request,
            "two_factor/manage.html",
            {"codes_left": services.recovery_codes_left(user), "next": next_url},
        )
    device = services.pending_app_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.confirm_app_device(user=user, code=form.cleaned_data["code"])
        except services.CodeRefused as refused:
            form.add_error("code", refused.message)
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            return _show_codes(request, codes, first_time=True)
    secret = services.secret_of(device)
    return render(
        request,
        "two_factor/enrol.html",
        {
            "form": form,
            "qr_code": _qr_data_uri(device.config_url),
            "secret": _grouped(secret),
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@sensitive_post_parameters("code", "recovery_code")
@require_http_methods(["GET", "POST"])
@for_health_data_readers
def verify(request: HttpRequest) -> HttpResponse:
    """Confirm this sign-in with a code from the app or a recovery code, then go on to ?next=."""
    user = request.user
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not services.has_confirmed_device(user):
        return HttpResponseRedirect(_with_next("two_factor:enrol", next_url))
    if _is_verified(request) and request.method == "GET":
        return HttpResponseRedirect(_next(request))
    using_recovery = request.method == "POST" and "recovery_code" in request.POST
    app_form = SignInCodeForm(request.POST if request.method == "POST" and not using_recovery else None)
    recovery_form = RecoveryCodeForm(request.POST if using_recovery else None)
    form: SignInCodeForm | RecoveryCodeForm = recovery_form if using_recovery else app_form
    if request.method == "POST" and form.is_valid():
        field = "recovery_code" if using_recovery else "code"
        code = form.cleaned_data[field]
        try:
            device = services.sign_in_device(user, code)
        except services.CodeRefused as refused:
            form.add_error(field, refused.message)
        else:
            request.session.cycle_key()
            django_otp.login(request, device)
            if services.is_recovery_code(code):
                left = services.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; it will not work again. {left} left. "
                    "Make new ones from the two-factor page if you are running low.",
                )
            return HttpResponseRedirect(_next(request))
    return render(
        request,
        "two_factor/verify.html",
        {
            "app_form": app_form,
            "recovery_form": recovery_form,
            "using_recovery": using_recovery,
            "next": next_url,
        },
        status=400 if form.errors else 200,
    )


@require_POST
@for_health_data_readers
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes with ten new ones and show them once; the old ones stop working."""
    if not services.has_confirmed_device(request.user):
        return HttpResponseRedirect(reverse("two_factor:enrol"))
    if not _is_verified(request):
        return HttpResponseRedirect(_with_next("two_factor:verify", reverse("two_factor:enrol")))
    codes = services.replace_recovery_codes(user=request.user)
    return _show_codes(request, codes, first_time=False)
