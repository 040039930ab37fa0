"""Accounts on the patient's site: sign-up, sign-in, sign-out and password reset. Anyone may use them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from clinic.forms import EmailAuthenticationForm, SignupForm
from clinic.login_throttle import LimitedSignInViewMixin

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest) -> str:
    """Return the ?next= address if it stays on this site, else the default after signing in."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Open a patient account, sign the person in and send them on to where they were going."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend=MODEL_BACKEND)
        return HttpResponseRedirect(_safe_next(request))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


class SignInView(LimitedSignInViewMixin, auth_views.LoginView):
    """Django's sign-in, with the e-mail address as the login; 429 once failures reach the limit."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
