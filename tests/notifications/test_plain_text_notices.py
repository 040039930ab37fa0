"""Names with line breaks: refused on the way in; an old row that has one never injects or jams the outbox."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes
from typing import Any, cast

import icalendar
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from booking import services
from booking.intake import IntakeData
from booking.models import Appointment, MassageType, Notification, NotificationKind, NotificationStatus
from clinic.forms import SignupForm
from clinic.models import User
from clinic.plain_text import MESSAGE
from notifications.tasks import dispatch_due_notifications
from tests.conftest import CLINIC_ZONE
from tests.factories import UserFactory
from therapists.models import Therapist

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]
Kind = NotificationKind
INJECTED = "Carol\r\nATTENDEE:mailto:evil@example.test"


def book_monday(patient: User, therapist: Therapist, massage_type: MassageType, **kwargs: Any) -> Appointment:
    return services.book(
        patient=patient,
        therapist=therapist,
        massage_type=massage_type,
        start=datetime(2026, 3, 9, 9, 0, tzinfo=CLINIC_ZONE),
        **kwargs,
    )


def calendar_of(message: Any) -> bytes:
    """Return the .ics of a sent e-mail as it goes over the wire."""
    wire = message_from_bytes(message.message().as_bytes())
    (part,) = [part for part in wire.walk() if part.get_content_type() == "text/calendar"]
    return cast(bytes, part.get_payload(decode=True))


def assert_no_injected_property(ics: bytes, attendee: str) -> None:
    """The file parses, holds one event with one attendee (the recipient), and no line the name smuggled in."""
    unfolded = ics.replace(b"\r\n ", b"")
    assert not any(line.startswith(b"ATTENDEE:mailto:evil") for line in unfolded.split(b"\r\n"))
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    attendees = event.get("attendee")
    assert not isinstance(attendees, list), attendees
    assert str(attendees) == f"mailto:{attendee}"


def test_a_therapist_name_with_a_line_break_cannot_inject_into_the_invitations(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    # An old row, from before the name was validated.
    Therapist.objects.filter(pk=therapist.pk).update(display_name=INJECTED)
    therapist.refresh_from_db()
    appointment = book_monday(patient, therapist, massage_type)

    dispatch_due_notifications()

    rows = {row.kind: row for row in Notification.objects.filter(appointment=appointment)}
    assert rows[Kind.CONFIRMATION].status == NotificationStatus.SENT
    assert rows[Kind.THERAPIST_NEW].status == NotificationStatus.SENT
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"alice@example.test", "carol@example.test"}
    assert_no_injected_property(calendar_of(by_recipient["alice@example.test"]), "alice@example.test")
    assert_no_injected_property(calendar_of(by_recipient["carol@example.test"]), "carol@example.test")


def test_a_notice_that_cannot_be_rendered_fails_at_once_with_a_reason_free_of_health_data(
    clock: Any, patient: User, therapist: Therapist, massage_type: MassageType
) -> None:
    # An old row: the patient's name goes into the therapist's subject, where a line break is refused.
    User.objects.filter(pk=patient.pk).update(first_name="Alice\r\nBcc: evil@example.test")
    patient.refresh_from_db()
    appointment = book_monday(
        patient, therapist, massage_type, intake=IntakeData(health_notes="Recovering from a herniated disc")
    )

    dispatch_due_notifications()  # no exception leaves the send path

    row = Notification.objects.get(appointment=appointment, kind=Kind.THERAPIST_NEW)
    assert row.status == NotificationStatus.FAILED
    assert (row.attempts, row.next_attempt_at, row.claim_token) == (1, None, "")
    assert "could not be rendered" in row.last_error and "BadHeaderError" in row.last_error
    for secret in ("herniated", "Bcc", "evil@example.test", "Alice"):
        assert secret not in row.last_error
    assert len(row.last_error) < 300
    # The patient's own confirmation still went out; nothing reached the smuggled address.
    assert [message.to for message in mail.outbox] == [["alice@example.test"]]

    dispatch_due_notifications()  # a later scan does not try it again

    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, 1)
    assert len(mail.outbox) == 1


def test_the_calendar_download_of_an_old_row_with_line_breaks_in_names_is_a_valid_file(
    clock: Any, patient: User, patient_client: Client, therapist: Therapist, massage_type: MassageType
) -> None:
    appointment = book_monday(patient, therapist, massage_type)
    Therapist.objects.filter(pk=therapist.pk).update(display_name=INJECTED)
    User.objects.filter(pk=patient.pk).update(last_name="Archer\r\nATTENDEE:mailto:evil@example.test")

    response = patient_client.get(f"/appointments/{appointment.pk}/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert_no_injected_property(response.content, "alice@example.test")


@pytest.mark.parametrize("name", ["Carol\r\nChen", "Carol\nBcc: x@example.test", "Carol\tChen", "Carol\u202eChen"])
def test_a_therapist_display_name_with_control_characters_is_refused(therapist: Therapist, name: str) -> None:
    therapist.display_name = name

    with pytest.raises(ValidationError) as refused:
        therapist.full_clean()

    assert refused.value.message_dict == {"display_name": [MESSAGE]}


def test_a_massage_type_name_with_a_line_break_is_refused(massage_type: MassageType) -> None:
    massage_type.name = "Deep tissue\r\nBcc: x@example.test"

    with pytest.raises(ValidationError) as refused:
        massage_type.full_clean()

    assert refused.value.message_dict == {"name": [MESSAGE]}


def test_the_therapist_admin_form_shows_the_name_error(admin_client: Client, massage_type: MassageType) -> None:
    user = UserFactory(email="erin@example.test")
    page = admin_client.get("/admin/therapists/therapist/add/")
    data: dict[str, Any] = {"user": user.pk, "display_name": "Erin\r\nEvans", "is_active": "on"}
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{key}": value for key, value in management.initial.items()})

    response = admin_client.post("/admin/therapists/therapist/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"display_name": [MESSAGE]}
    assert not Therapist.objects.filter(user_id=user.pk).exists()


def test_the_signup_form_refuses_a_name_with_a_line_break(db: None) -> None:
    form = SignupForm(
        data={
            "first_name": "Fay\r\nBcc: evil@example.test",
            "last_name": "Fox",
            "email": "fay@example.test",
            "phone": "+1 617 555 0123",
            "password1": "sore-shoulders-2026",
            "password2": "sore-shoulders-2026",
        }
    )

    assert not form.is_valid()
    assert form.errors["first_name"] == [MESSAGE]
