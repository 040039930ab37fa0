"""localstripe, the stateful fake Stripe server, started as a real HTTP server for the suite.

It answers Stripe's API (customers, SetupIntents, PaymentMethods, PaymentIntents, refunds),
serves a mock of Stripe.js at /js.stripe.com/v3/, and posts signed webhooks to a URL we
register. It ignores idempotency keys: our own rows are what charges once.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import stripe

# Cards localstripe knows (Stripe's test numbers): one that works, one saved fine but declined when charged.
GOOD_CARD = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"
SECRET_KEY = "sk_test_clinic_localstripe"
PUBLISHABLE_KEY = "pk_test_clinic_localstripe"
WEBHOOK_SECRET = "whsec_clinic_localstripe"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command() -> list[str]:
    found = shutil.which("localstripe", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("localstripe is not installed: run make test (it installs requirements-dev.txt).")
    return [found]


@contextmanager
def running() -> Iterator[str]:
    """Start localstripe on a free loopback port; yield its base URL; stop it afterwards."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (the installed localstripe, fixed arguments)
        [*_command(), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{base}/v1/customers", auth=(SECRET_KEY, ""), timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("localstripe did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def client(base: str) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": base})


def confirmed_setup(base: str, *, client_secret: str, number: str = GOOD_CARD) -> str:
    """Do what Stripe.js does in the patient's browser: confirm the SetupIntent with a card; return its id."""
    api = client(base).v1
    method = api.payment_methods.create(
        params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}}
    )
    setup_intent = client_secret.split("_secret_")[0]
    api.setup_intents.confirm(setup_intent, params={"payment_method": method.id})
    return setup_intent


def register_webhook(base: str, *, url: str) -> None:
    """Tell localstripe to post every event, signed with our secret, to the URL."""
    response = requests.post(
        f"{base}/_config/webhooks/clinic", data={"url": url, "secret": WEBHOOK_SECRET}, auth=(SECRET_KEY, ""), timeout=5
    )
    response.raise_for_status()
