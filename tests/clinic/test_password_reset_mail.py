"""The password-reset e-mail, from the site and from the admin, carries a Message-ID in the site's domain."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from clinic.models import User
from website.admin import ChosenAccountResetForm


@pytest.mark.django_db
@override_settings(SITE_URL="https://book.backandbalance.example")
def test_the_reset_e_mail_of_the_site_has_a_message_id_in_the_sites_domain(patient: User) -> None:
    response = Client().post(reverse("password_reset"), {"email": patient.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].message()["Message-ID"].endswith("@book.backandbalance.example>")
    assert "/accounts/reset/" in mail.outbox[0].body


@pytest.mark.django_db
@override_settings(SITE_URL="https://book.backandbalance.example")
def test_the_reset_e_mail_the_admin_sends_has_one_too(patient: User) -> None:
    form = ChosenAccountResetForm(patient)
    assert form.is_valid()

    form.save(domain_override="book.backandbalance.example", use_https=True)

    assert [message.to for message in mail.outbox] == [[patient.email]]
    assert mail.outbox[0].message()["Message-ID"].endswith("@book.backandbalance.example>")
