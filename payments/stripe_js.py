"""Stripe.js on the two pages that take a card (the booking page's card step, pay now): its address and its CSP.

Every other page keeps the site's policy of scripts from our own origin only. Card numbers
are typed into Stripe's own field and go from the browser to Stripe, never to us.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse

# Stripe.js frames its 3-D Secure challenges from here (Stripe's own CSP guide).
STRIPE_HOOKS = "https://hooks.stripe.com"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def script_url() -> str:
    """Return the address Stripe.js is loaded from (localstripe's mock in the tests)."""
    return str(settings.STRIPE_JS_URL)


def allow(response: HttpResponse) -> HttpResponse:
    """Let this one answer load Stripe.js, frame its card field and let it talk to Stripe's API."""
    script = _origin(settings.STRIPE_JS_URL)
    frames = [script] + ([STRIPE_HOOKS] if script == "https://js.stripe.com" else [])
    connect = sorted({script, _origin(settings.STRIPE_API_BASE)})
    # django-csp adds these to the site's directives for this response only.
    response._csp_update = {  # type: ignore[attr-defined]
        "script-src": [script],
        "frame-src": frames,
        "connect-src": connect,
    }
    return response
