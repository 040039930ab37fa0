"""The waitlist's pages: join (signed in), leave (the entry's patient), and an offer's confirm page.

The confirm page is opened from the offer's e-mail: its signed token names the offer and
its patient, so it needs no sign-in; someone else signed in gets 404, as for an offer that
does not exist. The token is single use by the offer's state and expires with the hold.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from booking.exceptions import BookingError
from clinic.models import User
from waitlist import links, services
from waitlist.forms import IntakeForm, JoinForm
from waitlist.models import Offer, OfferState, WaitlistEntry


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    """Join the waitlist: the form, prefilled from the booking page's full day (?massage_type=&date=...)."""
    user = request.user
    assert isinstance(user, User)
    if request.method == "POST":
        form = JoinForm(request.POST)
        if form.is_valid():
            try:
                services.join(patient=user, **form.service_arguments())
            except BookingError as exc:
                for name, message in exc.fields.items():
                    form.add_error(name if name in form.fields else None, message)
                if not exc.fields:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, "You are on the waitlist: we will e-mail you if a time opens up.")
                return redirect("my_appointments")
    else:
        day = request.GET.get("date") or timezone.localdate().isoformat()
        form = JoinForm(
            initial={
                "massage_type": request.GET.get("massage_type"),
                "location": request.GET.get("location"),
                "therapists": request.GET.getlist("therapist"),
                "date_from": day,
                "date_to": day,
            }
        )
    return render(request, "waitlist/join.html", {"form": form})


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave one of the patient's own waitlist entries (anyone else's is 404)."""
    user = request.user
    assert isinstance(user, User)
    entry = get_object_or_404(WaitlistEntry.objects.filter(patient=user), pk=pk)
    services.leave(entry=entry, by=user)
    messages.success(request, "You have left the waitlist for that time.")
    return redirect("my_appointments")


def _offer(request: HttpRequest, token: str) -> Offer:
    offer = links.offer_for(token)
    if offer is None:
        raise Http404("No such offer.")
    if request.user.is_authenticated and request.user.pk != offer.entry.patient_id:
        raise Http404("No such offer.")
    return offer


def _page(
    request: HttpRequest, offer: Offer, token: str, form: IntakeForm | None = None, error: str = ""
) -> HttpResponse:
    now = timezone.now()
    is_open = offer.state == OfferState.OPEN and offer.expires_at > now
    context = {
        "offer": offer,
        "appointment": offer.appointment,
        "token": token,
        "is_open": is_open,
        "form": form or IntakeForm(),
        "error": error,
    }
    return render(request, "waitlist/offer.html", context, status=409 if error else 200)


@require_http_methods(["GET"])
def offer_page(request: HttpRequest, token: str) -> HttpResponse:
    """Show the offer: the held slot, until when, and accept (with the intake) or decline."""
    return _page(request, _offer(request, token), token)


@require_POST
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Book the offered slot for its patient with the intake answers."""
    offer = _offer(request, token)
    form = IntakeForm(request.POST)
    if not form.is_valid():
        return _page(request, offer, token, form)
    try:
        booked = services.accept(offer=offer, by=offer.entry.patient, intake=form.intake())
    except BookingError as exc:
        for name, message in exc.fields.items():
            form.add_error(name if name in form.fields else None, message)
        offer.refresh_from_db()
        return _page(request, offer, token, form, error=exc.message)
    return render(request, "waitlist/booked.html", {"appointment": booked})


@require_POST
def decline(request: HttpRequest, token: str) -> HttpResponse:
    """Let the offered slot go to the next in line; the entry keeps waiting."""
    offer = _offer(request, token)
    try:
        services.decline(offer=offer, by=offer.entry.patient)
    except BookingError as exc:
        offer.refresh_from_db()
        return _page(request, offer, token, error=exc.message)
    offer.refresh_from_db()
    return _page(request, offer, token)
