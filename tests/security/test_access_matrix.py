"""Who may open what: every URL pattern of the project, asked by seven people, against a written table.

The routes are collected from the resolver itself (admin and every include), so a new
route without a line in ACCESS fails `test_every_route_has_a_line_in_the_access_table`.
Objects in the URLs belong to patient A (Alice) and therapist A (Carol): patient B (Bob)
and therapist B (Dan) must get 404 where an object is someone else's. Pages answer GET;
endpoints that only take a write are sent an empty one (their owner's answer is then a
4xx or a harmless change, never a 500). The admin's lines are generated per registered
model from the front desk's permissions as the staff-groups migration grants them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from booking import services
from booking.models import Appointment, MassageType, Notification
from clinic.models import User
from courses import services as course_services
from courses.models import HomeCareItem
from payments import policy as payment_policy
from payments import services as payment_services
from payments.models import Card, Charge, Terms, WebhookEvent
from portal import services as therapist_services
from tests.conftest import CLINIC_ZONE
from tests.factories import (
    AppointmentFactory,
    MassageTypeFactory,
    RoomClosureFactory,
    RoomFeatureFactory,
    TherapistFactory,
    TimeOffFactory,
    UserFactory,
    room_of,
    weekly_hours,
)
from therapists.models import Therapist, TimeOff
from waitlist import links as waitlist_links
from waitlist import services as waitlist_services

staff_groups_migration = importlib.import_module("clinic.migrations.0002_staff_groups")

ANON, PATIENT_A, PATIENT_B, THERAPIST_A, THERAPIST_B, FRONT_DESK, OWNER = ROLES = (
    "anonymous",
    "patient_a",
    "patient_b",
    "therapist_a",
    "therapist_b",
    "front_desk",
    "owner",
)
# Owners of the objects ask last, so a write they are allowed (cancel, delete) cannot change
# what the others are answered.
ASKING_ORDER = (ANON, PATIENT_B, THERAPIST_B, FRONT_DESK, OWNER, PATIENT_A, THERAPIST_A)

# Outcomes besides a plain status code: a redirect to one of the two sign-in pages.
LOGIN = "redirect to /accounts/login/"
ADMIN_LOGIN = "redirect to /admin/login/"
REDIRECT_TARGETS = {LOGIN: "/accounts/login/?next=", ADMIN_LOGIN: "/admin/login/?next="}

Outcome = int | str

# Wednesday after the pinned Monday 08:00 (Alice's upcoming session), and the Sunday before it.
WED_10 = datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
THU_14 = datetime(2026, 3, 5, 14, 0, tzinfo=CLINIC_ZONE)
SUN_10 = datetime(2026, 3, 1, 10, 0, tzinfo=CLINIC_ZONE)
# Alice's course: Mondays at 14:00, from next week.
MON_14 = datetime(2026, 3, 9, 14, 0, tzinfo=CLINIC_ZONE)


def answers(default: Outcome, **by_role: Outcome) -> dict[str, Outcome]:
    """Return the expected outcome of each role: `default` unless named."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, unknown
    return {role: by_role.get(role, default) for role in ROLES}


@dataclass(frozen=True)
class Probe:
    """How to ask a route (URL template over the world's ids, method, body) and what each role must get."""

    url: str
    expect: dict[str, Outcome]
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)


EVERYONE = answers(200)
SIGNED_IN = answers(200, anonymous=LOGIN)
# Therapist pages: the signed-in therapist only (anyone else signed in: 403).
PORTAL = answers(403, anonymous=LOGIN, therapist_a=200, therapist_b=200)
# Carol's own object in the portal: Dan gets 404.
PORTAL_OWN = answers(403, anonymous=LOGIN, therapist_a=200, therapist_b=404)
# Alice's own object on the patient site: anyone else signed in gets 404.
PATIENT_OWN = answers(404, anonymous=LOGIN, patient_a=200)
API_PORTAL = answers(403, anonymous=401, therapist_a=200, therapist_b=200)
API_PORTAL_OWN = answers(403, anonymous=401, therapist_a=200, therapist_b=404)
API_PATIENT_OWN = answers(404, anonymous=401, patient_a=200)
# Staff-only pages outside a model: the admin's sign-in for everyone else.
ADMIN_STAFF = answers(ADMIN_LOGIN, front_desk=200, owner=200)
# The front desk's calendar (frontdesk): staff with the appointment view and change permissions.
# Patients and therapists signed in get 403 (a therapist's week is the portal's).
DESK = answers(403, anonymous=ADMIN_LOGIN, front_desk=200, owner=200)
# Its JSON endpoints answer in the API's error shape: 401 signed out, 403 without the permissions.
DESK_API = answers(403, anonymous=401, front_desk=200, owner=200)
# Without their parameters or body: a field error for calendar staff.
DESK_API_EMPTY = {**DESK_API, FRONT_DESK: 400, OWNER: 400}

SITE: dict[str, Probe] = {
    "healthz": Probe("/healthz", EVERYONE),
    "": Probe("/", EVERYONE),
    "guidance/": Probe("/guidance/", EVERYONE),
    "find-your-massage/": Probe("/find-your-massage/", EVERYONE),
    "massages/": Probe("/massages/", EVERYONE),
    "massages/<slug:slug>/": Probe("/massages/{massage_slug}/", EVERYONE),
    "therapists/": Probe("/therapists/", EVERYONE),
    "therapists/<int:pk>/": Probe("/therapists/{therapist_a}/", EVERYONE),
    "book/": Probe("/book/", EVERYONE),
    "appointments/": Probe("/appointments/", SIGNED_IN),
    "appointments/<int:pk>/confirmed/": Probe("/appointments/{appointment}/confirmed/", PATIENT_OWN),
    "appointments/<int:pk>/calendar.ics": Probe("/appointments/{appointment}/calendar.ics", PATIENT_OWN),
    # Courses of care: the signed-in patient's own; an empty planner for everyone signed in.
    "courses/": Probe("/courses/", SIGNED_IN),
    "courses/plan/": Probe("/courses/plan/", SIGNED_IN),
    "courses/<int:pk>/": Probe("/courses/{course}/", PATIENT_OWN),
    "courses/<int:pk>/calendar.ics": Probe("/courses/{course}/calendar.ics", PATIENT_OWN),
    # Alice's own: her course is cancelled, her empty answers sent back with a message.
    "courses/<int:pk>/cancel/": Probe("/courses/{course}/cancel/", {**PATIENT_OWN, PATIENT_A: 302}, method="post"),
    "courses/sessions/<int:pk>/measures/": Probe(
        "/courses/sessions/{course_session}/measures/", {**PATIENT_OWN, PATIENT_A: 302}, method="post"
    ),
    # Alice's declined deposit: hers to pay (online payments off here, so the page says to pay at the desk).
    "payments/<int:pk>/pay/": Probe("/payments/{owed_charge}/pay/", PATIENT_OWN),
    "waitlist/join/": Probe("/waitlist/join/", SIGNED_IN),
    "waitlist/entries/<int:pk>/leave/": Probe(
        "/waitlist/entries/{waitlist_entry}/leave/", answers(404, anonymous=LOGIN, patient_a=302), method="post"
    ),
    # The offer's signed link is the key: no sign-in needed; anyone else signed in gets 404. The first
    # to use it (here the anonymous asker, holding Alice's link) books or declines; it is single use.
    "waitlist/offers/<str:token>/": Probe(
        "/waitlist/offers/{offer_token}/", answers(404, anonymous=200, patient_a=200)
    ),
    "waitlist/offers/<str:token>/accept/": Probe(
        "/waitlist/offers/{offer_token}/accept/", answers(404, anonymous=200, patient_a=409), method="post"
    ),
    "waitlist/offers/<str:token>/decline/": Probe(
        "/waitlist/offers/{offer_token}/decline/", answers(404, anonymous=200, patient_a=409), method="post"
    ),
    # A receipt is its patient's, and the staff's who read the ledger (payments.view_charge).
    "payments/<int:pk>/receipt/": Probe(
        "/payments/{charge}/receipt/", answers(404, anonymous=LOGIN, patient_a=200, front_desk=200, owner=200)
    ),
    "accounts/signup/": Probe("/accounts/signup/", EVERYONE),
    # The code page belongs to a sign-up in this session; without one, back to the sign-up form.
    "accounts/signup/sent/": Probe("/accounts/signup/sent/", answers(302)),
    # The link's page only shows a button (a mail scanner's GET confirms nothing).
    "accounts/confirm/<str:token>/": Probe("/accounts/confirm/forged-token/", EVERYONE),
    # A new link for the signed-in account's own address (already confirmed here: just a message).
    "accounts/confirm/resend/": Probe("/accounts/confirm/resend/", answers(302, anonymous=LOGIN), method="post"),
    # Django's sign-in sends someone already signed in on to the home page.
    "accounts/login/": Probe("/accounts/login/", answers(302, anonymous=200)),
    # Signing out is a POST (a GET could be forged by any page's <img>).
    "accounts/logout/": Probe("/accounts/logout/", answers(405)),
    "accounts/password-reset/": Probe("/accounts/password-reset/", EVERYONE),
    "accounts/password-reset/sent/": Probe("/accounts/password-reset/sent/", EVERYONE),
    # A forged reset link shows the "invalid link" page, never a form.
    "accounts/reset/<uidb64>/<token>/": Probe("/accounts/reset/MQ/set-password/", EVERYONE),
    "accounts/reset/done/": Probe("/accounts/reset/done/", EVERYONE),
    # Two-factor sign-in is for those who read health data; patients have no such page (404).
    # Carol has set up her app, so her unverified session is sent on to verify; the others set one up.
    "accounts/two-factor/": Probe(
        "/accounts/two-factor/", answers(200, anonymous=LOGIN, patient_a=404, patient_b=404, therapist_a=302)
    ),
    "accounts/two-factor/verify/": Probe(
        "/accounts/two-factor/verify/", answers(302, anonymous=LOGIN, patient_a=404, patient_b=404, therapist_a=200)
    ),
    # New recovery codes need a verified session: to verify (Carol) or to set up the app (the rest).
    "accounts/two-factor/recovery-codes/": Probe(
        "/accounts/two-factor/recovery-codes/",
        answers(302, anonymous=LOGIN, patient_a=404, patient_b=404),
        method="post",
    ),
}

PORTAL_PAGES: dict[str, Probe] = {
    "therapist/": Probe("/therapist/", PORTAL),
    "therapist/week/": Probe("/therapist/week/", PORTAL),
    "therapist/sessions/<int:pk>/": Probe("/therapist/sessions/{appointment}/", PORTAL_OWN),
    # An empty outcome form: back to the session with a message.
    "therapist/sessions/<int:pk>/outcome/": Probe(
        "/therapist/sessions/{appointment}/outcome/", {**PORTAL_OWN, THERAPIST_A: 302}, method="post"
    ),
    # A note on a session that has not started is refused on the form.
    "therapist/sessions/<int:pk>/note/": Probe(
        "/therapist/sessions/{appointment}/note/", {**PORTAL_OWN, THERAPIST_A: 400}, method="post"
    ),
    # An empty form: back to the session with a message.
    "therapist/sessions/<int:pk>/measures/": Probe(
        "/therapist/sessions/{course_session}/measures/", {**PORTAL_OWN, THERAPIST_A: 302}, method="post"
    ),
    "therapist/sessions/<int:pk>/home-plan/": Probe(
        "/therapist/sessions/{course_session}/home-plan/", {**PORTAL_OWN, THERAPIST_A: 302}, method="post"
    ),
    "therapist/hours/": Probe("/therapist/hours/", PORTAL),
    "therapist/time-off/": Probe("/therapist/time-off/", PORTAL),
    "therapist/time-off/<int:pk>/delete/": Probe(
        "/therapist/time-off/{time_off}/delete/", {**PORTAL_OWN, THERAPIST_A: 302}, method="post"
    ),
    "therapist/calendar/": Probe("/therapist/calendar/", PORTAL),
    "therapist/calendar/regenerate/": Probe(
        "/therapist/calendar/regenerate/",
        answers(403, anonymous=LOGIN, therapist_a=302, therapist_b=302),
        method="post",
    ),
    # The secret token is the credential: whoever holds it reads the (health-free) feed.
    "therapist/feed/<str:token>.ics": Probe("/therapist/feed/{calendar_token}.ics", EVERYONE),
    # Stripe's signature is the credential; with online payments off (as here) there is no such endpoint.
    "payments/webhook/": Probe("/payments/webhook/", answers(404), method="post"),
}

API: dict[str, Probe] = {
    "api/schema/": Probe("/api/schema/", EVERYONE),
    "api/docs/": Probe("/api/docs/", EVERYONE),
    "api/v1/auth/register/": Probe("/api/v1/auth/register/", answers(400), method="post"),
    "api/v1/auth/token/": Probe("/api/v1/auth/token/", answers(400), method="post"),
    # Everyone signed in ends their own tokens; a session (these clients) has none to end at logout.
    "api/v1/auth/logout/": Probe("/api/v1/auth/logout/", answers(400, anonymous=401), method="post"),
    "api/v1/auth/logout-all/": Probe("/api/v1/auth/logout-all/", answers(204, anonymous=401), method="post"),
    "api/v1/^auth/tokens/$": Probe("/api/v1/auth/tokens/", answers(200, anonymous=401)),
    "api/v1/^auth/tokens/(?P<id>[^/.]+)/$": Probe(
        "/api/v1/auth/tokens/{api_token}/", {**API_PATIENT_OWN, PATIENT_A: 204}, method="delete"
    ),
    # Without the massage type and dates: a field error for anyone.
    "api/v1/availability/": Probe("/api/v1/availability/", answers(400)),
    "api/v1/^massage-types/$": Probe("/api/v1/massage-types/", EVERYONE),
    "api/v1/^massage-types/(?P<pk>[^/.]+)/$": Probe("/api/v1/massage-types/{massage_type}/", EVERYONE),
    "api/v1/^therapists/$": Probe("/api/v1/therapists/", EVERYONE),
    "api/v1/^locations/$": Probe("/api/v1/locations/", EVERYONE),
    "api/v1/^therapists/(?P<pk>[^/.]+)/$": Probe("/api/v1/therapists/{therapist_a}/", EVERYONE),
    # Everyone signed in has a list of their own (therapists and staff book as patients too).
    "api/v1/^appointments/$": Probe("/api/v1/appointments/", answers(200, anonymous=401)),
    "api/v1/^appointments/(?P<pk>[^/.]+)/$": Probe("/api/v1/appointments/{appointment}/", API_PATIENT_OWN),
    # An empty cancel is a cancel without a reason: Alice's goes through.
    "api/v1/^appointments/(?P<pk>[^/.]+)/cancel/$": Probe(
        "/api/v1/appointments/{appointment}/cancel/", API_PATIENT_OWN, method="post"
    ),
    "api/v1/^appointments/(?P<pk>[^/.]+)/reschedule/$": Probe(
        "/api/v1/appointments/{appointment}/reschedule/", {**API_PATIENT_OWN, PATIENT_A: 400}, method="post"
    ),
    # Everyone signed in saves, lists and removes their own card; online payments are off here (409).
    "api/v1/payment-methods/setup/": Probe(
        "/api/v1/payment-methods/setup/", answers(409, anonymous=401), method="post"
    ),
    "api/v1/payment-methods/": Probe("/api/v1/payment-methods/", answers(200, anonymous=401)),
    "api/v1/payment-methods/<int:pk>/": Probe(
        "/api/v1/payment-methods/{card}/", {**API_PATIENT_OWN, PATIENT_A: 204}, method="delete"
    ),
    # Everyone signed in lists their own charges; only Alice may pay hers (refused here: payments are off).
    "api/v1/payments/": Probe("/api/v1/payments/", answers(200, anonymous=401)),
    "api/v1/waitlist/": Probe("/api/v1/waitlist/", answers(200, anonymous=401)),
    "api/v1/waitlist/<int:pk>/": Probe(
        "/api/v1/waitlist/{waitlist_entry}/", answers(404, anonymous=401, patient_a=204), method="delete"
    ),
    "api/v1/waitlist/offers/<int:pk>/accept/": Probe(
        "/api/v1/waitlist/offers/{waitlist_offer}/accept/", answers(404, anonymous=401, patient_a=200), method="post"
    ),
    "api/v1/waitlist/offers/<int:pk>/decline/": Probe(
        "/api/v1/waitlist/offers/{waitlist_offer}/decline/", answers(404, anonymous=401, patient_a=200), method="post"
    ),
    "api/v1/payments/<int:pk>/pay/": Probe(
        "/api/v1/payments/{owed_charge}/pay/", {**API_PATIENT_OWN, PATIENT_A: 409}, method="post"
    ),
    "api/v1/payments/<int:pk>/pay/finish/": Probe(
        "/api/v1/payments/{owed_charge}/pay/finish/", {**API_PATIENT_OWN, PATIENT_A: 409}, method="post"
    ),
    # Courses of care: the caller's own; planning without a body is a field error.
    "api/v1/courses/^$": Probe("/api/v1/courses/", answers(200, anonymous=401)),
    "api/v1/courses/^plan/$": Probe("/api/v1/courses/plan/", answers(400, anonymous=401), method="post"),
    "api/v1/courses/^(?P<pk>[^/.]+)/cancel/$": Probe(
        "/api/v1/courses/{course}/cancel/", API_PATIENT_OWN, method="post"
    ),
    "api/v1/therapist/schedule/": Probe("/api/v1/therapist/schedule/", API_PORTAL),
    "api/v1/therapist/working-hours/": Probe("/api/v1/therapist/working-hours/", API_PORTAL),
    "api/v1/therapist/time-off/": Probe("/api/v1/therapist/time-off/", API_PORTAL),
    "api/v1/therapist/time-off/<int:pk>/": Probe(
        "/api/v1/therapist/time-off/{time_off}/", {**API_PORTAL_OWN, THERAPIST_A: 204}, method="delete"
    ),
    # The session has not started: marking it is refused (409), but only Carol learns that.
    "api/v1/therapist/sessions/<int:pk>/complete/": Probe(
        "/api/v1/therapist/sessions/{appointment}/complete/", {**API_PORTAL_OWN, THERAPIST_A: 409}, method="post"
    ),
    "api/v1/therapist/sessions/<int:pk>/no-show/": Probe(
        "/api/v1/therapist/sessions/{appointment}/no-show/", {**API_PORTAL_OWN, THERAPIST_A: 409}, method="post"
    ),
    "api/v1/therapist/sessions/<int:pk>/notes/": Probe("/api/v1/therapist/sessions/{past}/notes/", API_PORTAL_OWN),
}

ADMIN_SITE: dict[str, Probe] = {
    "admin/": Probe("/admin/", ADMIN_STAFF),
    # The admin's sign-in shows its form to anyone not staff, and sends staff on to the index.
    "admin/login/": Probe("/admin/login/", answers(200, front_desk=302, owner=302)),
    # Not staff: back to the admin index (which asks to sign in); staff: signing out is a POST.
    "admin/logout/": Probe("/admin/logout/", answers(302, front_desk=405, owner=405)),
    "admin/password_change/": Probe("/admin/password_change/", ADMIN_STAFF),
    "admin/password_change/done/": Probe("/admin/password_change/done/", ADMIN_STAFF),
    # Without the widget's parameters the autocomplete refuses.
    "admin/autocomplete/": Probe("/admin/autocomplete/", answers(ADMIN_LOGIN, front_desk=403, owner=403)),
    "admin/jsi18n/": Probe("/admin/jsi18n/", ADMIN_STAFF),
    # Therapists have no public page of their own to "view on site".
    "admin/r/<path:content_type_id>/<path:object_id>/": Probe(
        "/admin/r/{therapist_content_type}/{therapist_a}/", answers(ADMIN_LOGIN, front_desk=404, owner=404)
    ),
    "admin/^(?P<app_label>auth|locations|therapists|booking|payments|waitlist|courses|clinic|otp_totp|otp_static)/$": (
        Probe("/admin/booking/", ADMIN_STAFF)
    ),
    # The front desk may not see the auth app at all: its index is absent for them.
    "admin/(?P<url>.*)$": Probe("/admin/no-such-page/", answers(ADMIN_LOGIN, front_desk=404, owner=404)),
    "admin/dashboard/": Probe("/admin/dashboard/", ADMIN_STAFF),
    "admin/calendar/": Probe("/admin/calendar/", DESK),
    # Offering a slot by hand: staff who may change waitlist entries (the front desk, the owner).
    "admin/waitlist/waitlistentry/<int:pk>/offer/": Probe(
        "/admin/waitlist/waitlistentry/{waitlist_entry}/offer/", ADMIN_STAFF
    ),
    "admin/calendar/week/": Probe("/admin/calendar/week/?therapist={therapist_a}", DESK),
    "admin/calendar/version/": Probe("/admin/calendar/version/", DESK),
    "admin/calendar/sessions/<int:pk>/history/": Probe("/admin/calendar/sessions/{appointment}/history/", DESK),
    "admin/calendar/api/patients/": Probe("/admin/calendar/api/patients/?q=al", DESK_API),
    "admin/calendar/api/options/": Probe("/admin/calendar/api/options/", DESK_API_EMPTY),
    "admin/calendar/api/next-free/": Probe("/admin/calendar/api/next-free/", DESK_API_EMPTY),
    "admin/calendar/api/book/": Probe("/admin/calendar/api/book/", DESK_API_EMPTY, method="post"),
    "admin/calendar/api/move/": Probe("/admin/calendar/api/move/", DESK_API_EMPTY, method="post"),
    "admin/calendar/api/cancel/": Probe("/admin/calendar/api/cancel/", DESK_API_EMPTY, method="post"),
    "admin/calendar/api/mark/": Probe("/admin/calendar/api/mark/", DESK_API_EMPTY, method="post"),
    # The session's money: calendar staff holding the payments permissions (the front desk and the owner).
    "admin/calendar/api/payments/": Probe("/admin/calendar/api/payments/", DESK_API_EMPTY),
    "admin/calendar/api/pay/": Probe("/admin/calendar/api/pay/", DESK_API_EMPTY, method="post"),
    "admin/calendar/api/refund/": Probe("/admin/calendar/api/refund/", DESK_API_EMPTY, method="post"),
    "admin/calendar/api/approve-fee/": Probe("/admin/calendar/api/approve-fee/", DESK_API_EMPTY, method="post"),
    "admin/calendar/api/waive-fee/": Probe("/admin/calendar/api/waive-fee/", DESK_API_EMPTY, method="post"),
    "admin/booking/appointment/export/": Probe("/admin/booking/appointment/export/", ADMIN_STAFF),
    # The charges as filtered, as CSV: staff who may view charges (the front desk and the owner).
    "admin/payments/charge/export/": Probe("/admin/payments/charge/export/", ADMIN_STAFF),
    # A therapist's time off is added and removed through the services on its own page, by the
    # owner only (change_therapist); the front desk views therapists and their time off.
    "admin/therapists/therapist/<int:object_id>/time-off/": Probe(
        "/admin/therapists/therapist/{therapist_a}/time-off/", answers(ADMIN_LOGIN, front_desk=403, owner=200)
    ),
    "admin/therapists/therapist/<int:object_id>/time-off/<int:time_off_id>/remove/": Probe(
        "/admin/therapists/therapist/{therapist_a}/time-off/{time_off}/remove/",
        answers(ADMIN_LOGIN, front_desk=403, owner=302),
        method="post",
    ),
    # Only an owner sets anyone's password; the front desk sends a reset e-mail instead.
    "admin/clinic/user/<id>/password/": Probe(
        "/admin/clinic/user/{patient_a}/password/", answers(ADMIN_LOGIN, front_desk=403, owner=200)
    ),
}

# What the staff-groups migration lets the front desk do, model by model (0002_staff_groups).
FRONT_DESK_MAY: dict[str, set[str]] = {
    "booking.appointment": {"view", "add", "change"},
    "booking.massagetype": {"view"},
    "booking.notification": {"view", "change"},
    "clinic.user": {"view", "add", "change"},
    "therapists.therapist": {"view"},
    "therapists.workinghours": {"view"},
    "therapists.timeoff": {"view"},
    # locations.0002_staff_permissions: the desk reads locations and rooms, and closes rooms.
    "locations.location": {"view"},
    "locations.room": {"view"},
    "locations.roomfeature": {"view"},
    "locations.roomclosure": {"view", "add", "delete"},
    # payments.0002_staff_permissions: the desk reads the ledger and the policy; its actions
    # (desk payments, refunds, fees) are permissions of their own, not edits of a row.
    "payments.charge": {"view"},
    "payments.refund": {"view"},
    "payments.terms": {"view"},
    "payments.policy": {"view"},
    # waitlist.0002_staff_permissions: the desk reads the waitlist and offers a slot by hand (change).
    "waitlist.waitlistentry": {"view", "change"},
    "waitlist.offer": {"view"},
}
# Model admins that refuse an action to everyone, the owner too.
NOBODY_MAY: dict[str, set[str]] = {
    # A device made in the admin would have a secret someone other than its holder saw.
    "otp_totp.totpdevice": {"add"},
    "otp_static.staticdevice": {"add"},
    "booking.appointment": {"delete"},  # appointments are kept: cancel instead
    "booking.notification": {"add", "delete"},  # rows come from the booking services
    "therapists.sessionnote": {"add", "change", "delete"},  # the therapist's record, read-only in admin
    # Rows of the services: hours change on the therapist's page, time off on its own page.
    "therapists.workinghours": {"add", "change", "delete"},
    "therapists.timeoff": {"add", "change", "delete"},
    # Sessions and working hours keep their place: a location or a room is taken out of use instead.
    "locations.location": {"delete"},
    "locations.room": {"delete"},
    # A closure is added (with its moves) or removed, never stretched in place.
    "locations.roomclosure": {"change"},
    # Plans keep the items they gave: an item is taken out of use instead.
    "courses.homecareitem": {"delete"},
    # The ledger is written by the payments services alone; the policy is one row, changed in place.
    "payments.charge": {"add", "change", "delete"},
    "payments.refund": {"add", "change", "delete"},
    "payments.terms": {"add", "change", "delete"},
    "payments.card": {"add", "change", "delete"},
    "payments.webhookevent": {"add", "change", "delete"},
    "payments.policy": {"add", "delete"},
    "waitlist.waitlistentry": {"add", "delete"},  # patients join and leave; staff offer
    "waitlist.offer": {"add", "change", "delete"},  # written by the services alone
}
# The object of each model that the admin pages open (a key of World.ids).
ADMIN_OBJECT = {
    "otp_totp.totpdevice": "totp_device",
    "otp_static.staticdevice": "static_device",
    "auth.group": "front_desk_group",
    "clinic.user": "patient_a",
    "therapists.therapist": "therapist_a",
    "therapists.workinghours": "working_hours",
    "therapists.timeoff": "time_off",
    "therapists.sessionnote": "session_note",
    "booking.massagetype": "massage_type",
    "booking.appointment": "appointment",
    "booking.notification": "notification",
    "locations.location": "location",
    "locations.room": "room",
    "locations.roomfeature": "room_feature",
    "locations.roomclosure": "room_closure",
    "courses.homecareitem": "home_care_item",
    "payments.policy": "policy",
    "payments.terms": "terms",
    "payments.card": "card",
    "payments.charge": "charge",
    "payments.refund": "refund",
    "payments.webhookevent": "webhook_event",
    "waitlist.waitlistentry": "waitlist_entry",
    "waitlist.offer": "waitlist_offer",
}


# Where a model admin answers its own way on top of the permissions.
ADMIN_SPECIAL: dict[tuple[str, str], dict[str, Outcome]] = {
    # The Deep tissue type has bookings: the owner is sent back to its page to deactivate it instead.
    ("booking.massagetype", "delete"): {OWNER: 302},
}


def _admin_answers(label: str, page: str) -> dict[str, Outcome]:
    """Return each role's answer on one admin page ("changelist", "add", "history", "delete", "change") of a model."""
    desk = FRONT_DESK_MAY.get(label, set())
    refused = NOBODY_MAY.get(label, set())
    # The changelist, the history and the change page (read-only without "change") open with "view".
    action = {"changelist": "view", "history": "view", "change": "view"}.get(page, page)
    if action == "view":
        front_desk = 200 if desk & {"view", "change"} else 403
        owner = 200
    else:
        front_desk = 200 if action in desk and action not in refused else 403
        owner = 403 if action in refused else 200
    return {**answers(ADMIN_LOGIN, front_desk=front_desk, owner=owner), **ADMIN_SPECIAL.get((label, page), {})}


def _admin_model_probes() -> dict[str, Probe]:
    """Return the probes of every registered model's admin pages."""
    probes: dict[str, Probe] = {}
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        obj = f"/{base}{{{ADMIN_OBJECT[label]}}}/"
        probes[base] = Probe(f"/{base}", _admin_answers(label, "changelist"))
        probes[f"{base}add/"] = Probe(f"/{base}add/", _admin_answers(label, "add"))
        for page in ("history", "delete", "change"):
            probes[f"{base}<path:object_id>/{page}/"] = Probe(f"{obj}{page}/", _admin_answers(label, page))
        # The bare object URL only redirects to its change page (for staff; others to the sign-in).
        probes[f"{base}<path:object_id>/"] = Probe(obj, answers(ADMIN_LOGIN, front_desk=302, owner=302))
    return probes


ACCESS: dict[str, Probe] = {**SITE, **PORTAL_PAGES, **API, **ADMIN_SITE, **_admin_model_probes()}


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def all_routes() -> list[str]:
    """Return every URL pattern of the project, includes and admin expanded, as one string each."""
    return list(_walk(get_resolver().url_patterns))


def test_every_route_has_a_line_in_the_access_table() -> None:
    routes = all_routes()
    assert len(routes) == len(set(routes)), "two routes share one pattern"
    missing = sorted(set(routes) - set(ACCESS))
    stale = sorted(set(ACCESS) - set(routes))
    assert not missing, "\n".join(f"route {route!r} has no entry in the access table" for route in missing)
    assert not stale, "\n".join(f"the access table names {route!r}, which is no longer a route" for route in stale)


@dataclass
class World:
    ids: dict[str, Any]
    clients: dict[str, Client]


@pytest.fixture
def world(clock: object, settings: Any) -> Iterator[World]:
    """Alice and Bob (patients), Carol and Dan (therapists), the front desk and the owner, with their things."""
    cache.clear()  # sign-up and token throttles count in the cache
    deep: MassageType = MassageTypeFactory.create(
        name="Deep tissue", slug="deep-tissue", duration_minutes=60, buffer_minutes=15
    )
    alice: User = UserFactory.create(email="alice@example.test", first_name="Alice", last_name="Archer")
    bob: User = UserFactory.create(email="bob@example.test", first_name="Bob", last_name="Baker")
    carol: Therapist = TherapistFactory.create(
        user=UserFactory(email="carol@example.test", first_name="Carol"), display_name="Carol", massage_types=[deep]
    )
    dan: Therapist = TherapistFactory.create(
        user=UserFactory(email="dan@example.test", first_name="Dan"), display_name="Dan", massage_types=[deep]
    )
    weekly_hours(carol)
    weekly_hours(dan)
    if not Group.objects.filter(name=staff_groups_migration.FRONT_DESK).exists():
        # A transactional test elsewhere may have flushed the migration's groups.
        state = MigrationExecutor(connection).loader.project_state(("clinic", "0002_staff_groups"))
        staff_groups_migration.create_staff_groups(state.apps, None)
    front_desk_group = Group.objects.get(name=staff_groups_migration.FRONT_DESK)
    desk: User = UserFactory.create(email="desk@example.test", is_staff=True)
    desk.groups.add(front_desk_group)
    owner = User.objects.create_superuser(email="owner@example.test", password="owner-pass-2026")

    upcoming = services.book(patient=alice, therapist=carol, massage_type=deep, start=WED_10)
    services.book(patient=bob, therapist=dan, massage_type=deep, start=THU_14)
    past: Appointment = AppointmentFactory.create(patient=alice, therapist=carol, massage_type=deep, start=SUN_10)
    note = therapist_services.save_session_note(
        appointment=past, by=carol.user, data=therapist_services.NoteData(subjective="Stiff lower back.")
    )
    time_off: TimeOff = TimeOffFactory.create(
        therapist=carol,
        start=datetime(2026, 3, 6, 9, tzinfo=CLINIC_ZONE),
        end=datetime(2026, 3, 6, 17, tzinfo=CLINIC_ZONE),
    )
    carols_room = room_of(carol)
    closure = RoomClosureFactory.create(
        room=carols_room,
        start=datetime(2026, 3, 20, 9, tzinfo=CLINIC_ZONE),
        end=datetime(2026, 3, 20, 12, tzinfo=CLINIC_ZONE),
    )
    course = course_services.book_course(
        patient=alice,
        massage_type=deep,
        therapist=carol,
        weekday=0,
        clock=MON_14.time(),
        time_zone="America/New_York",
        interval_weeks=1,
        sessions=[
            course_services.ChosenSession(start=MON_14, therapist_id=carol.pk),
            course_services.ChosenSession(start=MON_14 + timedelta(weeks=1), therapist_id=carol.pk),
        ],
    )
    home_care_item = HomeCareItem.objects.create(
        title="A stretch for the table", steps="Stretch.", how_often="Daily", not_for="-", reviewed_on=SUN_10.date()
    )
    alices_token, _ = AuthToken.objects.create(user=alice)
    # Alice's ledger (online payments are off here: the desk took cash, then gave some back).
    paid = payment_services.take_desk_payment(appointment=past, by=owner, method="cash")
    given_back = payment_services.refund(charge=paid, by=owner, amount=Decimal("5.00"), reason="Started late")
    terms = Terms.objects.create(appointment=upcoming, currency="usd", price=upcoming.price, created_at=WED_10)
    alices_card = Card.objects.create(user=alice, provider_id="pm_world", brand="visa", last4="4242", created_at=SUN_10)
    event = WebhookEvent.objects.create(event_id="evt_world", type="charge.refunded", received_at=SUN_10)
    owed = Charge.objects.create(
        appointment=upcoming, kind="deposit", amount=Decimal("18.00"), currency="usd", state="failed", created_at=SUN_10
    )
    # Alice waits for Wednesday; a 15:00 with Dan is held for her (an offer out).
    alices_entry = waitlist_services.join(
        patient=alice, massage_type=deep, date_from=WED_10.date(), date_to=WED_10.date()
    )
    alices_offer = waitlist_services.offer(entry=alices_entry, therapist=dan, start=WED_10.replace(hour=15))
    # Carol has set up two-factor sign-in (an app and recovery codes); nobody else has.
    carols_app = TOTPDevice.objects.create(user=carol.user, name="Authenticator app", confirmed=True)
    carols_codes = StaticDevice.objects.create(user=carol.user, name="Recovery codes", confirmed=True)
    carols_codes.token_set.create(token="abcdefgh")
    ids = {
        "patient_a": alice.pk,
        "api_token": alices_token.token_key,
        "totp_device": carols_app.pk,
        "static_device": carols_codes.pk,
        "therapist_a": carol.pk,
        "appointment": upcoming.pk,
        "past": past.pk,
        "time_off": time_off.pk,
        "massage_type": deep.pk,
        "massage_slug": deep.slug,
        "calendar_token": carol.calendar_token,
        "front_desk_group": front_desk_group.pk,
        "working_hours": carol.working_hours.order_by("pk").first().pk,  # type: ignore[union-attr]
        "session_note": note.pk,
        "notification": Notification.objects.filter(appointment=upcoming).order_by("pk").first().pk,  # type: ignore[union-attr]
        "therapist_content_type": ContentType.objects.get_for_model(Therapist).pk,
        "location": carols_room.location_id,
        "room": carols_room.pk,
        "room_feature": RoomFeatureFactory.create(name="Heated table", slug="heated-table").pk,
        "room_closure": closure.pk,
        "course": course.pk,
        "course_session": course.sessions().first().pk,  # type: ignore[union-attr]
        "home_care_item": home_care_item.pk,
        "policy": payment_policy.current_policy().pk,
        "terms": terms.pk,
        "card": alices_card.pk,
        "charge": paid.pk,
        "refund": given_back.pk,
        "webhook_event": event.pk,
        "owed_charge": owed.pk,
        "waitlist_entry": alices_entry.pk,
        "waitlist_offer": alices_offer.pk,
        "offer_token": waitlist_links.token_for(alices_offer),
    }
    people: dict[str, User | None] = {
        ANON: None,
        PATIENT_A: alice,
        PATIENT_B: bob,
        THERAPIST_A: carol.user,
        THERAPIST_B: dan.user,
        FRONT_DESK: desk,
        OWNER: owner,
    }
    clients = {}
    for role, person in people.items():
        clients[role] = Client()
        if person is not None:
            clients[role].force_login(person)
    yield World(ids=ids, clients=clients)
    cache.clear()


def _outcome(response: Any) -> Outcome:
    """Return what the response is, in the table's terms (a sign-in redirect is named as such)."""
    if response.status_code == 302:
        location = response["Location"]
        for name, target in REDIRECT_TARGETS.items():
            if location.startswith(target):
                return name
    return int(response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(ACCESS))
def test_each_role_gets_what_the_access_table_says(world: World, route: str) -> None:
    probe = ACCESS[route]
    url = probe.url.format(**world.ids)
    got: dict[str, Outcome] = {}
    for role in ASKING_ORDER:
        client = world.clients[role]
        if probe.method == "get":
            response = client.get(url)
        else:
            response = getattr(client, probe.method)(url, probe.data, content_type="application/json")
        assert response.status_code < 500, f"{role} {probe.method.upper()} {url} -> {response.status_code}"
        got[role] = _outcome(response)
    wrong = {
        role: f"expected {probe.expect[role]}, got {got[role]}" for role in ROLES if got[role] != probe.expect[role]
    }
    assert not wrong, f"{probe.method.upper()} {url}: {wrong}"


@pytest.mark.django_db
def test_patient_as_cancel_really_cancels_and_nobody_else_could(world: World) -> None:
    """The matrix's write probes change only the owner's things: Bob's and Dan's attempts leave Alice's as it was."""
    url = f"/api/v1/appointments/{world.ids['appointment']}/cancel/"
    for role in (PATIENT_B, THERAPIST_A, THERAPIST_B, FRONT_DESK, OWNER):
        assert world.clients[role].post(url, {}, content_type="application/json").status_code == 404
        assert Appointment.objects.get(pk=world.ids["appointment"]).status == "confirmed"
    assert world.clients[PATIENT_A].post(url, {}, content_type="application/json").status_code == 200
    assert Appointment.objects.get(pk=world.ids["appointment"]).status == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/massage-types/", 200),
        ("get", "/api/v1/therapists/", 200),
        ("get", "/api/v1/locations/", 200),
        ("get", "/api/v1/availability/", 400),
        ("post", "/api/v1/auth/token/", 400),
        ("post", "/api/v1/auth/register/", 400),
    ],
)
def test_a_stale_token_does_not_lock_anyone_out_of_the_open_endpoints(method: str, path: str, status: int) -> None:
    """An app still sending a revoked token can read the catalogue and sign in again; the rest stays 401."""
    cache.clear()
    client = Client(HTTP_AUTHORIZATION="Token revoked-0000000000000000000000000000000000")
    # The API parses JSON only: an empty JSON body reaches the view's validation (400).
    body = {"data": {}, "content_type": "application/json"} if method == "post" else {}
    assert getattr(client, method)(path, **body).status_code == status
    assert client.get("/api/v1/appointments/").status_code == 401
