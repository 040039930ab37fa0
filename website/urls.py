"""The patient's site: guidance, catalogue, therapists, booking flow and accounts."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path

from clinic import login_throttle
from clinic.forms import EmailPasswordResetForm
from clinic.views import accounts
from website.views import booking, calendar, courses, pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("", pages.HomeView.as_view(), name="home"),
    path("guidance/", pages.GuidanceView.as_view(), name="guidance"),
    path("find-your-massage/", pages.questionnaire_view, name="questionnaire"),
    path("massages/", pages.MassageTypeListView.as_view(), name="massage_types"),
    path("massages/<slug:slug>/", pages.MassageTypeDetailView.as_view(), name="massage_type_detail"),
    path("therapists/", pages.TherapistListView.as_view(), name="therapists"),
    path("therapists/<int:pk>/", pages.TherapistDetailView.as_view(), name="therapist_detail"),
    path("book/", booking.book, name="book"),
    path("appointments/", booking.my_appointments, name="my_appointments"),
    path("appointments/<int:pk>/confirmed/", booking.booking_confirmed, name="booking_confirmed"),
    path("appointments/<int:pk>/calendar.ics", calendar.appointment_calendar, name="appointment_calendar"),
    path("courses/", courses.my_courses, name="my_courses"),
    path("courses/plan/", courses.course_plan, name="course_plan"),
    path("courses/<int:pk>/", courses.course_detail, name="course_detail"),
    path("courses/<int:pk>/cancel/", courses.course_cancel, name="course_cancel"),
    path("courses/<int:pk>/calendar.ics", courses.course_ics, name="course_calendar"),
    path("courses/sessions/<int:pk>/measures/", courses.session_measures, name="course_session_measures"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/signup/sent/", accounts.signup_sent, name="signup_sent"),
    path("accounts/confirm/resend/", accounts.resend_confirmation, name="resend_confirmation"),
    path("accounts/confirm/<str:token>/", accounts.confirm_email, name="confirm_email"),
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", include("clinic.two_factor.urls")),
    path(
        "accounts/password-reset/",
        accounts.LimitedPasswordResetView.as_view(
            form_class=EmailPasswordResetForm,
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        login_throttle.UnlockingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
