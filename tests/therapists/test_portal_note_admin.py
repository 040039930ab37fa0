"""Staff read session notes and their history in admin, and cannot change them there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.services import NoteData, save_session_note
from therapists.models import SessionNote

from .portal_setup import at, book_session, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(therapist, patient, massage_type, clock) -> SessionNote:
    session = book_session(patient, therapist, massage_type, at(2, 10))
    clock.move_to(at(2, 11, 5))
    save_session_note(appointment=session, by=therapist.user, data=NoteData(subjective="First words"))
    return save_session_note(appointment=session, by=therapist.user, data=NoteData(subjective="Second words"))


def test_staff_see_the_note_with_every_revision(admin_client, note) -> None:
    assert admin_client.get(reverse("admin:therapists_sessionnote_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:therapists_sessionnote_change", args=[note.pk])).content.decode()
    assert "Second words" in page
    assert "First words" in page


def test_notes_cannot_be_added_changed_or_deleted_in_admin(admin_client, note) -> None:
    assert admin_client.get(reverse("admin:therapists_sessionnote_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:therapists_sessionnote_change", args=[note.pk]), {"subjective": "Rewritten"}
    )
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:therapists_sessionnote_delete", args=[note.pk])).status_code == 403
    note.refresh_from_db()
    assert note.subjective == "Second words"


def test_therapists_cannot_reach_notes_in_admin(therapist, note) -> None:
    response = client_for(therapist.user).get(reverse("admin:therapists_sessionnote_change", args=[note.pk]))
    assert response.status_code == 302  # to the admin sign-in: therapists are not staff
