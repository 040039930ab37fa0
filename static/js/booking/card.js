// The confirm step's payment part: the chosen massage's payment policy and, when it asks for a
// card the patient has not saved yet, Stripe's card field. Confirming then saves the card first
// (a SetupIntent confirmed by Stripe.js, its id sent to the API), then books.

import { $, el } from "../lib/dom.js";
import { showError } from "./steps.js";

let stripe = null;
let cardElement = null;

function settingsOf(page) {
  return page.config.payments || null;
}

function typeSettings(page) {
  const payments = settingsOf(page);
  const typeId = page.store.get().typeId;
  return payments && typeId ? payments.types[String(typeId)] || null : null;
}

/** Tell whether confirming must save a card first (signed in, the massage asks for one, none saved). */
export function needsCard(page) {
  const payments = settingsOf(page);
  const kind = typeSettings(page);
  return Boolean(payments && kind && kind.asksForCard && !payments.card && page.store.get().authenticated);
}

function mountCard(page) {
  if (cardElement) return true;
  if (typeof window.Stripe !== "function") return false;
  stripe = window.Stripe(settingsOf(page).publishableKey);
  cardElement = stripe.elements().create("card");
  cardElement.mount("#booking-card-element");
  return true;
}

/** Show the chosen massage's payment policy, the saved card it uses, or the card field. */
export function renderPaymentStep(page) {
  const box = $("payment-step");
  if (!box) return;
  const kind = typeSettings(page);
  const lines = kind ? kind.policy : [];
  const payments = settingsOf(page);
  box.hidden = !lines.length && !needsCard(page);
  const list = $("payment-policy");
  list.textContent = "";
  for (const line of lines) list.append(el("li", {}, line));
  const note = $("saved-card-note");
  const saved = payments && payments.card;
  note.hidden = !(saved && kind && kind.asksForCard);
  note.textContent = note.hidden ? "" : `Your saved card ending ${saved.last4} is kept on file for this booking.`;
  $("card-step").hidden = !needsCard(page);
  if (needsCard(page) && !mountCard(page)) {
    showError("card-error", "The card field could not be loaded. Please reload the page, or call us to book.");
  }
}

/** Save the card typed into Stripe's field when the booking needs one; return whether booking may go on. */
export async function saveCardIfNeeded(page) {
  if (!needsCard(page)) return true;
  showError("card-error", "");
  if (!mountCard(page)) {
    showError("card-error", "The card field could not be loaded. Please reload the page, or call us to book.");
    return false;
  }
  const setup = await page.api.post("payment-methods/setup/", {});
  if (!setup.ok) {
    showError("card-error", setup.error.message);
    return false;
  }
  const result = await stripe.confirmCardSetup(setup.data.client_secret, { payment_method: { card: cardElement } });
  if (result.error || !result.setupIntent) {
    showError("card-error", (result.error && result.error.message) || "The card was not saved. Please check it.");
    $("card-error").focus();
    return false;
  }
  const saved = await page.api.post("payment-methods/", { setup_intent: result.setupIntent.id });
  if (!saved.ok) {
    showError("card-error", saved.error.message);
    $("card-error").focus();
    return false;
  }
  settingsOf(page).card = { brand: saved.data.brand, last4: saved.data.last4 };
  renderPaymentStep(page);
  page.announce(`Your card ending ${saved.data.last4} is saved.`);
  return true;
}
