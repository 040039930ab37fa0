"""Public pages: home, guidance, the questionnaire, the catalogue and the therapists. Anyone may read them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.generic import DetailView, ListView, TemplateView

from booking.intake import red_flag_labels
from booking.models import MassageType
from therapists.models import Therapist
from website import guidance, questionnaire
from website.forms import QuestionnaireForm


def _guidance_context() -> dict[str, Any]:
    return {
        "guidance_reviewed": guidance.LAST_REVIEWED,
        "red_flag_questions": guidance.red_flag_questions(),
    }


def _active_therapists() -> QuerySet[Therapist]:
    return Therapist.objects.active().prefetch_related(
        Prefetch("massage_types", queryset=MassageType.objects.active(), to_attr="offered_types")
    )


class HomeView(TemplateView):
    """The front page: what the clinic does for back pain and the three ways in."""

    template_name = "site/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs, **_guidance_context(), massage_types=MassageType.objects.active()[:3])


class GuidanceView(TemplateView):
    """How massage helps back pain, who it suits, and when to see a doctor instead."""

    template_name = "site/guidance.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs, **_guidance_context(), sections=guidance.SECTIONS)


def questionnaire_view(request: HttpRequest) -> HttpResponse:
    """Ask about the back pain and suggest massages that fit, or a doctor first on any red flag."""
    # POST, not GET: the answers are health information and must not land in access logs.
    submitted = request.method == "POST"
    form = QuestionnaireForm(request.POST) if submitted else QuestionnaireForm()
    context: dict[str, Any] = {**_guidance_context(), "form": form, "submitted": submitted}
    if submitted and form.is_valid():
        answers = form.answers()
        context.update(
            answers=answers,
            see_doctor=questionnaire.needs_doctor(answers),
            suggestions=questionnaire.suggest(answers, MassageType.objects.active()),
            gentle_start=questionnaire.gentle_start_advised(answers),
            chosen_flags=red_flag_labels(list(answers.red_flags)),
        )
    return render(request, "site/questionnaire.html", context)


class MassageTypeListView(ListView):
    """The active catalogue with what each massage is good for."""

    template_name = "site/massage_types.html"
    context_object_name = "massage_types"

    def get_queryset(self) -> QuerySet[MassageType]:
        return MassageType.objects.active()


class MassageTypeDetailView(DetailView):
    """One massage: what it is, what it helps, how long, the price, and who offers it."""

    template_name = "site/massage_type_detail.html"
    context_object_name = "massage_type"

    def get_queryset(self) -> QuerySet[MassageType]:
        return MassageType.objects.active()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        therapists = Therapist.objects.active().offering(self.object)
        return super().get_context_data(**kwargs, therapists=therapists)


class TherapistListView(ListView):
    """The clinic's therapists and the massages each offers."""

    template_name = "site/therapists.html"
    context_object_name = "therapists"

    def get_queryset(self) -> QuerySet[Therapist]:
        return _active_therapists()


class TherapistDetailView(DetailView):
    """One therapist: who they are and what they offer."""

    template_name = "site/therapist_detail.html"
    context_object_name = "therapist"

    def get_queryset(self) -> QuerySet[Therapist]:
        return _active_therapists()
