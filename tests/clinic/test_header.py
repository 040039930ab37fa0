"""The site header leads each person to their own place: the portal, the admin."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_therapist_sees_a_link_to_their_schedule(therapist):
    client = Client()
    client.force_login(therapist.user)
    page = client.get("/").content.decode()
    assert 'href="/therapist/">My schedule' in page
    assert "Clinic admin" not in page


@pytest.mark.django_db
def test_a_patient_sees_neither_the_portal_nor_the_admin(patient_client):
    page = patient_client.get("/").content.decode()
    assert "My schedule" not in page
    assert "Clinic admin" not in page


@pytest.mark.django_db
def test_staff_see_a_link_to_the_admin(admin_client):
    page = admin_client.get("/").content.decode()
    assert 'href="/admin/">Clinic admin' in page
