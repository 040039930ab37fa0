// Step 5: check the summary and confirm; when the slot went meanwhile, offer the nearest free times.

import { errorText, isSlotGone } from "../lib/api.js";
import { addDays } from "../lib/dates.js";
import { $, el, radioOption } from "../lib/dom.js";
import { intakePayload, intakeRows, splitFieldErrors } from "../lib/intake.js";
import { locationParam } from "../lib/locations.js";
import { money } from "../lib/money.js";
import { insideChangeWindow, serverClock } from "../lib/policy.js";
import { distinctStarts, nearestSlots } from "../lib/slots.js";
import { renderPaymentStep, saveCardIfNeeded } from "./card.js";
import { checkIntake, readIntake, showFieldErrors } from "./intake.js";
import { forgetProgress, saveProgress } from "./progress.js";
import { anyTherapist, currentLocation, currentType, therapistName } from "./state.js";
import { reveal, showError } from "./steps.js";
import { loadAvailability } from "./time.js";

const ALTERNATIVES = 6;
let clinicNow = null;

/** Show, before booking, that a time inside the change window cannot be changed online afterwards. */
function renderChangeWarning(config, slot) {
  const box = $("late-change-warning");
  const rules = config.changePolicy;
  if (!box || !rules) return;
  clinicNow = clinicNow || serverClock(rules.now);
  const late = Boolean(slot) && insideChangeWindow(slot.start, clinicNow(), rules.windowMinutes);
  box.textContent = late ? rules.warning : "";
  box.hidden = !late;
}

/** Return where the session will be, as the summary's "Where" row says it. */
function whereLine(state, clinic) {
  const place = currentLocation(state) || clinic;
  return place ? `${place.name}, ${place.address}` : "";
}

/** Render what is about to be booked, and the account or confirm buttons. */
export function renderSummary(page) {
  const state = page.store.get();
  const { format, slot } = state;
  const type = currentType(state);
  const box = $("summary");
  box.textContent = "";
  const rows = [
    ["Massage", type ? `${type.name} (${type.duration_minutes} minutes)` : ""],
    ["Therapist", slot ? therapistName(state, slot.therapist) || "Any available therapist" : "Not chosen yet"],
    ["When", slot ? `${format.when(slot.start)} (${format.zoneName(slot.start)})` : "Not chosen yet"],
    ["Price", type ? `${money(type.price)}, paid at the clinic` : ""],
    ["Where", whereLine(state, page.config.clinic)],
    ...intakeRows(readIntake(page.form), page.config.intake),
  ];
  for (const [term, value] of rows) {
    box.append(el("div", { class: "summary__row" }, el("dt", {}, term), el("dd", {}, value)));
  }
  renderChangeWarning(page.config, slot);
  renderPaymentStep(page);
  $("account-needed").hidden = state.authenticated;
  $("confirm-actions").hidden = !state.authenticated;
}

async function showAlternatives(page, target) {
  const { config, store } = page;
  const asked = store.get();
  const day = asked.format.dayOf(target.start);
  const from = addDays(day, -1) < config.today ? config.today : addDays(day, -1);
  const answer = await page.api.get("availability/", {
    massage_type: asked.typeId,
    date_from: from,
    date_to: addDays(day, 3),
    therapist: anyTherapist(asked) ? "" : asked.therapistId,
    location: locationParam(asked.locations, asked.locationId),
  });
  const box = $("alternative-options");
  box.textContent = "";
  const state = store.get();
  const slots = answer.ok ? answer.data.slots || [] : [];
  const nearest = nearestSlots(anyTherapist(state) ? distinctStarts(slots) : slots, target, ALTERNATIVES);
  if (!nearest.length) {
    $("alternatives").hidden = true;
    return 0;
  }
  const { format } = state;
  nearest.forEach((slot, index) => {
    const input = radioOption({
      name: "alternative",
      id: `alternative-${index}`,
      value: String(index),
      title: `${format.shortDay(format.dayOf(slot.start))}, ${format.time(slot.start)}`,
      detail: anyTherapist(state) ? therapistName(state, slot.therapist) : "",
      className: "slot",
    });
    input.querySelector("input").addEventListener("change", () => {
      const chosen = store.set({ slot, day: format.dayOf(slot.start) });
      saveProgress(page);
      showError("confirm-error", "");
      page.announce(
        `Selected ${format.when(slot.start)} with ${therapistName(chosen, slot.therapist)}. Press Confirm booking to book it.`,
      );
    });
    box.append(input);
  });
  $("alternatives").hidden = false;
  return nearest.length;
}

async function slotGone(page) {
  const { store } = page;
  const { slot: taken, format } = store.get();
  const when = format.when(taken.start);
  store.set({ slot: null });
  saveProgress(page);
  const count = await showAlternatives(page, taken);
  const message =
    count > 0
      ? `Sorry, ${when} was booked by someone else a moment ago. Here are the nearest free times. Your answers are kept: choose a time and confirm again.`
      : `Sorry, ${when} was booked by someone else a moment ago, and there are no other free times close to it. Your answers are kept: please pick another day in step 3.`;
  showError("confirm-error", message);
  // Step 3 must not keep offering the time that just went.
  await loadAvailability(page);
  if (count > 0) {
    $("alternative-options").querySelector("input").focus();
  } else {
    reveal("time");
  }
}

/** Book the chosen slot with the intake, then go to the confirmation page. */
export async function confirmBooking(page) {
  const { config, store } = page;
  showError("confirm-error", "");
  const state = store.get();
  if (!state.slot) {
    showError("confirm-error", "Please choose a time first.");
    return;
  }
  const problem = checkIntake(page);
  if (problem) {
    reveal("intake");
    showError("intake-error", problem);
    $("provider-consulted").focus();
    return;
  }
  const button = $("confirm-button");
  button.disabled = true;
  button.textContent = "Booking…";
  if (!(await saveCardIfNeeded(page))) {
    button.disabled = false;
    button.textContent = "Confirm booking";
    return;
  }
  const answer = await page.api.post("appointments/", {
    massage_type: state.typeId,
    therapist: state.slot.therapist,
    start: state.slot.start,
    ...intakePayload(readIntake(page.form), config.intake),
  });
  button.disabled = false;
  button.textContent = "Confirm booking";
  if (answer.ok) {
    forgetProgress();
    window.location.assign(config.confirmedUrl.replace("/0/", `/${answer.data.id}/`));
    return;
  }
  if (isSlotGone(answer)) {
    await slotGone(page);
    return;
  }
  if (answer.status === 401 || answer.status === 403) {
    store.set({ authenticated: false });
    saveProgress(page);
    showError("confirm-error", "Please sign in again to confirm. Everything you entered is kept.");
    return;
  }
  const { error } = answer;
  const fields = splitFieldErrors(error.fields, config.intake);
  if (showFieldErrors(fields.intake)) {
    reveal("intake", { focus: false });
    showError("intake-error", error.message);
  }
  showError("confirm-error", errorText(error.message, fields.other));
  $("confirm-error").focus();
}
