// My appointments, the money side: cancel inside the window with the fee (said before confirming), remove the saved card.
// Both go through the REST API; the page reloads with a message, as its other changes do.

import { apiClient, documentCsrfToken, pageConfig, readAnswer } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { storedValue } from "../lib/storage.js";

const config = pageConfig("appointments-config");
const api = apiClient(config.api);
// The key my-appointments.js shows its message from after a reload.
const flash = storedValue("clinic.appointments.flash");

function showError(box, message) {
  box.textContent = "";
  if (message) {
    box.append(el("p", {}, message));
    box.focus();
  }
}

function wireLateCancel(block) {
  const id = block.dataset.lateCancel;
  const card = block.closest("[data-appointment]");
  const title = card.querySelector(".card__title").textContent.trim();
  const panel = document.getElementById(`appointment-${id}-late-cancel`);
  const toggle = block.querySelector('[data-action="late-cancel"]');
  const error = document.getElementById(`appointment-${id}-late-error`);
  const close = (focus) => {
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (focus) toggle.focus();
  };
  toggle.addEventListener("click", () => {
    const opening = panel.hidden;
    showError(error, "");
    if (!opening) return close(false);
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    panel.querySelector("textarea").focus();
    return undefined;
  });
  panel.querySelector('[data-action="close"]').addEventListener("click", () => close(true));
  panel.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = panel.querySelector('button[type="submit"]');
    submit.disabled = true;
    const reason = panel.querySelector("textarea").value.trim();
    const answer = await api.post(`appointments/${id}/cancel/`, { reason, accept_late_fee: true });
    submit.disabled = false;
    if (answer.ok) {
      flash.write(`Your ${title} is cancelled. The late-cancellation fee is charged to your saved card.`);
      window.location.reload();
      return;
    }
    showError(error, answer.error.message);
  });
}

async function removeCard(button) {
  button.disabled = true;
  let answer;
  try {
    const response = await fetch(`${config.api}payment-methods/${button.dataset.removeCard}/`, {
      method: "DELETE",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": documentCsrfToken() },
    });
    answer = response.status === 204 ? { ok: true } : await readAnswer(response);
  } catch {
    answer = { ok: false, error: { message: "We could not reach the clinic. Please check your connection and try again." } };
  }
  button.disabled = false;
  if (answer.ok) {
    flash.write("Your card is removed.");
    window.location.reload();
    return;
  }
  showError(document.getElementById("payments-error"), answer.error.message);
}

for (const block of document.querySelectorAll("[data-late-cancel]")) wireLateCancel(block);
for (const button of document.querySelectorAll("[data-remove-card]")) {
  button.addEventListener("click", () => removeCard(button));
}
