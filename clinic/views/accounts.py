"""Accounts on the patient's site: sign-up and its confirmation, sign-in, sign-out and password reset.

Anyone may use them, except resending a confirmation (the signed-in account's own).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clinic import accounts
from clinic.forms import ConfirmationCodeForm, EmailAuthenticationForm, SignupForm
from clinic.login_throttle import LimitedSignInViewMixin
from clinic.models import User
from clinic.rate_limits import Limit, client_ident, email_digest

PENDING = "signup_pending"
# The therapist portal's day view, by name: the core links to the portal without importing it.
THERAPIST_HOME = "therapists:day"
RESEND = Limit("confirmation-resend", 3, accounts.SIGNUP_PER_ADDRESS.window)

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest) -> str:
    """Return the ?next= address if it stays on this site, else the default after signing in."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _too_many(request: HttpRequest, template: str, context: dict[str, Any], seconds: int) -> HttpResponse:
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Open a patient account; known and new addresses get the same answer: "check your e-mail"."""
    form = SignupForm(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    context = {"form": form, "next": next_url}
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.sign_up(person=form.person(), client=client_ident(request), next_url=_safe_next(request))
        except accounts.TooManyRequests as exc:
            form.add_error(None, exc.message)
            return _too_many(request, "registration/signup.html", context, exc.seconds)
        request.session[PENDING] = {
            "user": user.pk if user else None,
            "email": form.cleaned_data["email"],
            "next": _safe_next(request),
        }
        return redirect("signup_sent")
    return render(request, "registration/signup.html", context)


@require_http_methods(["GET", "POST"])
def signup_sent(request: HttpRequest) -> HttpResponse:
    """Ask for the code e-mailed at sign-up; the right one confirms the address and signs the person in."""
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("signup")
    form = ConfirmationCodeForm(request.POST or None)
    context = {"form": form, "email": pending["email"]}
    if request.method == "POST" and form.is_valid():
        # Counted per sign-up (the account, or the address when it was known), whatever the
        # client: a cookie replayed from many addresses gets no more guesses. Counted first.
        subject = f"user:{pending['user']}" if pending["user"] else f"address:{email_digest(pending['email'])}"
        attempt = accounts.CODE_ATTEMPTS.record(subject)
        if not accounts.CODE_ATTEMPTS.allows(attempt):
            form.add_error("code", "Too many wrong codes. Please open the link in the e-mail instead.")
            wait = attempt.seconds_left(timezone.now())
            return _too_many(request, "registration/signup_sent.html", context, wait)
        user = User.objects.filter(pk=pending["user"] or 0, email_confirmed_at__isnull=True).first()
        if user is not None and accounts.code_matches(user, form.cleaned_data["code"]):
            accounts.mark_confirmed(user)
            accounts.CODE_ATTEMPTS.clear(subject)
            del request.session[PENDING]
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, "Your e-mail address is confirmed. Welcome!")
            return HttpResponseRedirect(pending["next"])
        form.add_error("code", "That code does not match. Check the newest e-mail from us, or open its link.")
    return render(request, "registration/signup_sent.html", context)


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the address of a link from the e-mail (on a button press: mail scanners only GET)."""
    next_url = _safe_next(request)
    if request.method == "GET":
        return render(request, "registration/confirm_email.html", {"next": next_url})
    confirmed = accounts.confirm_email(token)
    if confirmed is None:
        return render(request, "registration/confirm_email.html", {"invalid": True}, status=400)
    user, first_use = confirmed
    # The link signs in only on its first use, and never over someone else's session.
    if first_use and request.user.is_anonymous:
        request.session.pop(PENDING, None)
        login(request, user, backend=MODEL_BACKEND)
    messages.success(request, "Your e-mail address is confirmed.")
    return HttpResponseRedirect(next_url)


@login_required
@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    """E-mail the signed-in account a new confirmation link (a few times an hour at most)."""
    user = request.user
    assert isinstance(user, User)
    if user.email_confirmed_at is not None:
        messages.info(request, "Your e-mail address is already confirmed.")
    elif not RESEND.allows(RESEND.record(str(user.pk))):
        messages.error(request, accounts.TOO_MANY)
    else:
        accounts.send_confirmation(user, next_url=reverse("my_appointments"))
        messages.success(request, f"We sent a new confirmation link to {user.email}.")
    return redirect("my_appointments")


class LimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's "forgot password" page, limited per client and per address (no inbox flooding)."""

    def form_valid(self, form: Any) -> HttpResponse:
        options = {
            "use_https": self.request.is_secure(),
            "token_generator": self.token_generator,
            "from_email": self.from_email,
            "email_template_name": self.email_template_name,
            "subject_template_name": self.subject_template_name,
            "request": self.request,
            "html_email_template_name": self.html_email_template_name,
            "extra_email_context": self.extra_email_context,
        }
        try:
            accounts.request_password_reset(form=form, client=client_ident(self.request), **options)
        except accounts.TooManyRequests as exc:
            form.add_error(None, exc.message)
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(exc.seconds)
            return response
        return HttpResponseRedirect(self.get_success_url())


class SignInView(LimitedSignInViewMixin, auth_views.LoginView):
    """Django's sign-in, with the e-mail address as the login; 429 once failures reach the limit."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Send a therapist to their schedule, anyone else to the home page (when no ?next= says otherwise)."""
        if User.objects.filter(pk=self.request.user.pk or 0, therapist__isnull=False).exists():
            return reverse(THERAPIST_HOME)
        return super().get_default_redirect_url()
