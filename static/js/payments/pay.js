// Pay now: the card goes into Stripe's own field, Stripe.js confirms the charge's PaymentIntent,
// then the server asks Stripe how it went and settles the charge (no webhook needed for that).

import { apiClient, pageConfig } from "../lib/api.js";
import { $, el } from "../lib/dom.js";

const config = pageConfig("pay-config");
const api = apiClient(config.api);

function showError(message) {
  const box = $("pay-error");
  box.textContent = "";
  if (message) {
    box.append(el("p", {}, message));
    box.focus();
  }
}

function busy(button, on) {
  button.disabled = on;
  button.textContent = on ? "Paying…" : `Pay ${config.total}`;
}

async function pay(stripe, card) {
  const button = $("pay-button");
  showError("");
  busy(button, true);
  const started = await api.post(`payments/${config.charge}/pay/`, {});
  if (!started.ok) {
    busy(button, false);
    if (started.error.code === "invalid_status") {
      // Paid, waived or being charged meanwhile: the page shows what it is now (a receipt once paid).
      window.location.reload();
      return;
    }
    showError(started.error.message);
    return;
  }
  const result = await stripe.confirmCardPayment(started.data.client_secret, { payment_method: { card } });
  // A card field left incomplete never reached Stripe: nothing to settle, the same payment goes on.
  const reachedStripe = Boolean(result.paymentIntent || (result.error && result.error.payment_intent));
  if (!reachedStripe) {
    busy(button, false);
    showError((result.error && result.error.message) || "Please check the card's details.");
    return;
  }
  const settled = await api.post(`payments/${config.charge}/pay/finish/`, {});
  busy(button, false);
  if (!settled.ok) {
    showError(settled.error.message);
    return;
  }
  if (settled.data.state === "succeeded") {
    window.location.assign(config.receiptUrl);
    return;
  }
  if (settled.data.state === "failed") {
    showError(`${settled.data.failure_message || "The card was declined."} Please try another card.`);
    return;
  }
  showError("Your payment is being confirmed. This page will show the receipt once it is through: reload it in a minute.");
}

function start() {
  const form = $("pay-form");
  if (!form || typeof window.Stripe !== "function") {
    if (form) showError("The card field could not be loaded. Please reload the page, or call the clinic.");
    return;
  }
  const stripe = window.Stripe(config.publishableKey);
  const card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    pay(stripe, card);
  });
}

start();
$("pay-page").dataset.ready = "true";
