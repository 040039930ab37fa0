"""The patient's site, page by page: content, who may see what, and no inline code."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, cast

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from booking import services
from booking.intake import IntakeData
from booking.models import Appointment, MassageType
from clinic.models import User
from tests.conftest import CLINIC_ZONE
from tests.factories import MassageTypeFactory, TherapistFactory
from therapists.models import Therapist

PUBLIC_PAGES = ["home", "guidance", "questionnaire", "massage_types", "therapists", "book", "login", "signup"]


def book_for(patient: User, therapist: Therapist, massage_type: MassageType, day: int, hour: int) -> Appointment:
    start = datetime(2026, 3, day, hour, 0, tzinfo=CLINIC_ZONE)
    return services.book(patient=patient, therapist=therapist, massage_type=massage_type, start=start)


def assert_no_inline_code(html: str) -> None:
    """Pages run under a Content-Security-Policy without 'unsafe-inline'."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_answer_to_anyone_without_inline_code(client: Client, name: str, therapist: Therapist) -> None:
    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Back &amp; Balance" in html
    assert '<html lang="en">' in html
    assert_no_inline_code(html)


@pytest.mark.django_db
def test_home_leads_to_guidance_questionnaire_and_booking(client: Client, massage_type: MassageType) -> None:
    html = client.get(reverse("home")).content.decode()

    for name in ("guidance", "questionnaire", "book"):
        assert f'href="{reverse(name)}"' in html
    assert massage_type.name in html
    assert "not medical advice" in html


@pytest.mark.django_db
def test_guidance_covers_every_topic_in_the_clinics_words(client: Client) -> None:
    html = client.get(reverse("guidance")).content.decode()

    for phrase in (
        "muscles",
        "stiffness",
        "increases local circulation",
        "stress",
        "sleep",
        "inflammation",
        "lift heavy things",
        "posture",
        "sit for long hours",
        "chronic back pain",
        "ankylosing spondylitis",
        "talk to your doctor or health provider before you book",
        "How often",
        "comfort level",
        "shoulders",
        "down through the back",
        "Yoga",
        "Meditation",
        "Chiropractic care",
        "Self-massage at home",
        "sparingly",
        "When to see a doctor instead",
        "not medical advice",
        "November 24, 2026",
    ):
        assert phrase in html, phrase


@pytest.mark.django_db
def test_guidance_never_claims_massage_reduces_blood_flow(client: Client) -> None:
    html = client.get(reverse("guidance")).content.decode().lower()

    assert "reduces the blood flow" not in html
    assert "reduce blood flow" not in html
    assert "increases local circulation" in html


@pytest.mark.django_db
def test_guidance_lists_every_red_flag_of_the_intake(client: Client) -> None:
    from booking.intake import RED_FLAGS

    html = client.get(reverse("guidance")).content.decode()

    for question in RED_FLAGS.values():
        assert question in html


@pytest.mark.django_db
def test_questionnaire_suggests_massages_that_link_into_booking(client: Client) -> None:
    MassageTypeFactory(name="Deep tissue massage", slug="deep-tissue")
    MassageTypeFactory(name="Trigger point therapy", slug="trigger-point")
    MassageTypeFactory(name="Hot stone massage", slug="hot-stone")

    response = client.post(
        reverse("questionnaire"),
        {"area": "lower_back", "duration": "chronic", "feelings": ["knots"], "pressure": "firm"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Massages that suit you" in html
    # The answers ride in the fragment, which never reaches the server's logs.
    assert 'href="/book/?type=deep-tissue#area=lower_back&amp;pressure=firm"' in html
    assert 'href="/book/?type=trigger-point#area=lower_back&amp;pressure=firm"' in html
    assert html.index("Deep tissue massage") < html.index("Trigger point therapy")


@pytest.mark.django_db
def test_questionnaire_with_a_red_flag_says_see_a_doctor_and_offers_no_booking(client: Client) -> None:
    MassageTypeFactory(name="Deep tissue massage", slug="deep-tissue")

    response = client.post(
        reverse("questionnaire"),
        {"area": "lower_back", "duration": "acute", "feelings": ["knots"], "red_flags": ["leg_numbness"]},
    )

    html = response.content.decode()
    assert "Please see a doctor first" in html
    assert "Numbness, tingling or weakness in the legs" in html
    assert "/book/?type=" not in html
    assert "Massages that suit you" not in html


@pytest.mark.django_db
def test_questionnaire_without_answers_shows_the_errors_as_an_alert(client: Client) -> None:
    response = client.post(reverse("questionnaire"), {})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert 'href="#id_area_0"' in html
    assert "This field is required" in html


@pytest.mark.django_db
def test_massage_types_list_shows_active_ones_with_what_they_are_good_for(client: Client) -> None:
    MassageTypeFactory(name="Swedish massage", slug="swedish", good_for="stress, stiffness")
    MassageTypeFactory(name="Retired massage", slug="retired", is_active=False)

    html = client.get(reverse("massage_types")).content.decode()

    assert "Swedish massage" in html
    assert "Stress, stiffness" in html
    assert "Retired massage" not in html
    assert 'href="/book/?type=swedish"' in html


@pytest.mark.django_db
def test_massage_type_detail_shows_its_use_and_who_offers_it(client: Client, therapist: Therapist) -> None:
    massage_type = therapist.massage_types.get()

    response = client.get(reverse("massage_type_detail", args=[massage_type.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert massage_type.name in html
    assert "Chronic low back pain" in html
    assert "Carol Chen" in html
    assert f'href="/book/?type={massage_type.slug}"' in html


@pytest.mark.django_db
def test_an_inactive_massage_type_has_no_page(client: Client) -> None:
    MassageTypeFactory(slug="retired", is_active=False)

    assert client.get(reverse("massage_type_detail", args=["retired"])).status_code == 404


@pytest.mark.django_db
def test_therapists_list_and_detail_show_what_each_offers(client: Client, therapist: Therapist) -> None:
    TherapistFactory(display_name="Gone Away", is_active=False)

    listing = client.get(reverse("therapists")).content.decode()
    detail = client.get(reverse("therapist_detail", args=[therapist.pk])).content.decode()

    assert "Carol Chen" in listing
    assert "Deep tissue" in listing
    assert "Gone Away" not in listing
    assert "Deep tissue" in detail
    assert f"/book/?therapist={therapist.pk}" in listing
    assert f"therapist={therapist.pk}" in detail


@pytest.mark.django_db
def test_an_inactive_therapist_has_no_page(client: Client) -> None:
    gone = cast(Therapist, TherapistFactory(is_active=False))

    assert client.get(reverse("therapist_detail", args=[gone.pk])).status_code == 404


@pytest.mark.django_db
def test_book_page_passes_its_configuration_as_json(client: Client, clock: object) -> None:
    response = client.get(reverse("book"), {"type": "deep-tissue", "therapist": "7"})

    config = response.context["config"]
    html = response.content.decode()
    assert config["today"] == "2026-03-02"
    assert config["timeZone"] == "America/New_York"
    assert config["authenticated"] is False
    assert config["preselect"] == {"type": "deep-tissue", "therapist": "7"}
    assert config["loginUrl"] == "/accounts/login/?next=/book/%3Fresume%3D1"
    assert '<script id="booking-config" type="application/json">' in html
    for label in ("A recent fall, accident or injury to the back", "Loss of bladder or bowel control"):
        assert label in html
    assert "I have talked to my doctor or health provider about this massage" in html


@pytest.mark.django_db
def test_my_appointments_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(reverse("my_appointments"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/appointments/"


@pytest.mark.django_db
def test_my_appointments_lists_only_the_patients_own_upcoming_and_past(
    clock: object,
    patient: User,
    other_patient: User,
    patient_client: Client,
    therapist: Therapist,
    massage_type: MassageType,
) -> None:
    upcoming = book_for(patient, therapist, massage_type, day=5, hour=10)
    cancelled = book_for(patient, therapist, massage_type, day=6, hour=10)
    services.cancel(appointment=cancelled, by=patient, reason="Feeling better")
    book_for(other_patient, therapist, massage_type, day=5, hour=14)

    response = patient_client.get(reverse("my_appointments"))

    html = response.content.decode()
    assert [row["appointment"] for row in response.context["upcoming"]] == [upcoming]
    assert response.context["past"] == [cancelled]
    assert "Thursday, March 5, 2026 at 10:00 AM" in html
    assert "Feeling better" in html
    assert "2:00 PM" not in html
    assert f'data-appointment="{upcoming.pk}"' in html
    assert_no_inline_code(html)


@pytest.mark.django_db
def test_my_appointments_says_when_the_online_change_window_has_closed(
    clock, patient: User, patient_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    book_for(patient, therapist, massage_type, day=2, hour=14)

    html = patient_client.get(reverse("my_appointments")).content.decode()

    assert "Within 24 hours of the session, please call us on" in html
    assert 'data-action="cancel"' not in html
    assert 'data-action="reschedule"' not in html
    assert "Sunday, March 1" not in html  # the deadline, already past


@pytest.mark.django_db
def test_the_confirmation_page_shows_the_booking_to_its_patient(
    clock, patient: User, patient_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book_for(patient, therapist, massage_type, day=4, hour=10)

    response = patient_client.get(reverse("booking_confirmed", args=[appointment.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Your massage is booked" in html
    assert "Wednesday, March 4, 2026 at 10:00 AM" in html
    assert "Carol Chen" in html
    assert f'href="/appointments/{appointment.pk}/calendar.ics"' in html
    assert "Tuesday, March 3, 2026 at 10:00 AM" in html  # the free cancellation deadline


@pytest.mark.django_db
def test_another_patients_confirmation_page_and_calendar_file_are_not_found(
    clock, patient: User, other_patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book_for(patient, therapist, massage_type, day=4, hour=10)
    client = Client()
    client.force_login(other_patient)

    assert client.get(reverse("booking_confirmed", args=[appointment.pk])).status_code == 404
    assert client.get(reverse("appointment_calendar", args=[appointment.pk])).status_code == 404


@pytest.mark.django_db
def test_confirmation_and_calendar_need_a_signed_in_patient(
    clock, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book_for(patient, therapist, massage_type, day=4, hour=10)
    client = Client()

    confirmed = client.get(reverse("booking_confirmed", args=[appointment.pk]))
    calendar = client.get(reverse("appointment_calendar", args=[appointment.pk]))

    assert confirmed.status_code == 302 and confirmed["Location"].startswith("/accounts/login/")
    assert calendar.status_code == 302 and calendar["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_calendar_file_holds_the_appointment_without_health_details(
    clock, patient: User, patient_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE),
        intake=IntakeData(health_notes="Herniated disc L4", focus_areas="lower back"),
    )

    response = patient_client.get(reverse("appointment_calendar", args=[appointment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime(2026, 3, 4, 10, 0, tzinfo=CLINIC_ZONE)
    assert event.decoded("dtend") == datetime(2026, 3, 4, 11, 0, tzinfo=CLINIC_ZONE)
    assert str(event["summary"]) == "Deep tissue with Carol Chen"
    assert "12 Harbor Street" in str(event["location"])
    assert str(event["uid"]).startswith(f"appointment-{appointment.pk}@")
    assert b"Herniated" not in response.content


SIGNUP_FORM = {
    "first_name": "Erin",
    "last_name": "Evans",
    "email": "Erin@Example.test",
    "phone": "(617) 555-0199",
    "password1": "calm-back-2026!",
    "password2": "calm-back-2026!",
}


def _code_from(message: Any) -> str:
    found = re.search(r"code on the page where you signed up: (\d{6})", message.body)
    assert found, message.body
    return found.group(1)


@pytest.mark.django_db
def test_signup_opens_an_account_and_the_emailed_code_signs_in_and_returns_to_the_booking(client: Client) -> None:
    response = client.post(reverse("signup") + "?next=/book/%3Fresume%3D1", {**SIGNUP_FORM, "next": "/book/?resume=1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    user = User.objects.get(email="erin@example.test")
    assert user.phone == "+16175550199"
    assert not user.is_staff
    assert user.check_password("calm-back-2026!")
    assert user.email_confirmed_at is None
    assert "_auth_user_id" not in client.session
    [message] = mail.outbox
    assert message.to == ["erin@example.test"]

    confirmed = client.post(reverse("signup_sent"), {"code": _code_from(message)})

    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/book/?resume=1"
    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    assert client.get(reverse("my_appointments")).status_code == 200


@pytest.mark.django_db
def test_signup_refuses_a_bad_phone_and_a_weak_password(client: Client, patient: User) -> None:
    response = client.post(
        reverse("signup"),
        {
            "first_name": "Al",
            "last_name": "Archer",
            "email": "ALICE@example.test",
            "phone": "12",
            "password1": "password",
            "password2": "password",
        },
    )

    form = response.context["form"]
    assert response.status_code == 200
    assert "email" not in form.errors  # a known address is never said to be known
    assert "valid phone number" in form.errors["phone"][0]
    assert "password2" in form.errors
    assert 'role="alert"' in response.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_signup_ignores_a_next_address_on_another_site(client: Client) -> None:
    client.post(reverse("signup"), {**SIGNUP_FORM, "next": "https://evil.example/"})
    [message] = mail.outbox

    response = client.post(reverse("signup_sent"), {"code": _code_from(message)})

    assert response["Location"] == "/"


@pytest.mark.django_db
def test_sign_in_with_email_and_password(client: Client, patient: User) -> None:
    from tests.factories import PASSWORD

    response = client.post(
        reverse("login"), {"username": "Alice@example.test", "password": PASSWORD, "next": "/appointments/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/appointments/"


@pytest.mark.django_db
def test_sign_in_with_a_wrong_password_says_so(client: Client, patient: User) -> None:
    response = client.post(reverse("login"), {"username": "alice@example.test", "password": "nope"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "do not match an account" in html
    assert 'role="alert"' in html
    assert '<label class="field__label" for="id_username">E-mail address' in html


@pytest.mark.django_db
def test_sign_out_is_a_post(patient_client: Client) -> None:
    assert patient_client.get(reverse("logout")).status_code == 405

    response = patient_client.post(reverse("logout"))

    assert response.status_code == 302
    assert patient_client.get(reverse("my_appointments")).status_code == 302


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_lets_the_patient_choose_a_new_password(
    client: Client, patient: User, mailoutbox: list
) -> None:
    response = client.post(reverse("password_reset"), {"email": "alice@example.test"})

    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    found = re.search(r"http://testserver(/accounts/reset/\S+/)", mailoutbox[0].body)
    assert found, mailoutbox[0].body
    form_page = client.get(found.group(1), follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "fresh-start-2026!", "new_password2": "fresh-start-2026!"},
    )
    assert done["Location"] == reverse("password_reset_complete")
    patient.refresh_from_db()
    assert patient.check_password("fresh-start-2026!")
