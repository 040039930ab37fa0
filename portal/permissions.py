"""Who may use the therapist portal: a signed-in user with an active Therapist profile."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from therapists.models import Therapist

NOT_A_THERAPIST = "Only the clinic's therapists can use the therapist portal."


def therapist_of(user: Any) -> Therapist | None:
    """Return the user's active therapist profile, or None."""
    if user is None or not user.is_authenticated:
        return None
    return Therapist.objects.filter(user_id=user.pk, is_active=True).first()


def therapist_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a therapist in (passing `therapist=`), send the anonymous to sign in, refuse everyone else."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        therapist = therapist_of(request.user)
        if therapist is None:
            raise PermissionDenied(NOT_A_THERAPIST)
        return view(request, *args, therapist=therapist, **kwargs)

    return wrapper


class IsTherapist(BasePermission):
    """Allow only signed-in users with an active therapist profile (patients get 403)."""

    message = NOT_A_THERAPIST

    def has_permission(self, request: Request, view: APIView) -> bool:
        therapist = therapist_of(request.user)
        if therapist is None:
            return False
        request.therapist = therapist  # type: ignore[attr-defined]
        return True
