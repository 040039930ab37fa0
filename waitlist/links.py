"""The one-click link of an offer: signed, single use (by the offer's state), expiring with the hold."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from waitlist.models import Offer

SALT = "waitlist.offer"
# The signature's own limit, well past any hold: the offer's state and expiry are the real ones.
MAX_AGE = timedelta(days=2)


def token_for(offer: Offer) -> str:
    """Return the signed token naming the offer (and its patient, so a token cannot be moved to another offer)."""
    return signing.dumps({"offer": offer.pk, "patient": offer.entry.patient_id}, salt=SALT, compress=True)


def offer_for(token: str) -> Offer | None:
    """Return the offer a token names, or None for a forged, altered or very old token."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("offer"), int) or not isinstance(data.get("patient"), int):
        return None
    offer_id, patient_id = data["offer"], data["patient"]
    return (
        Offer.objects.select_related(
            "entry__patient", "appointment__massage_type", "appointment__therapist", "appointment__room__location"
        )
        .filter(pk=offer_id, entry__patient_id=patient_id)
        .first()
    )


def offer_url(offer: Offer) -> str:
    """Return the offer's confirm page, absolute (for the e-mail)."""
    return settings.SITE_URL + reverse("waitlist:offer", args=[token_for(offer)])
