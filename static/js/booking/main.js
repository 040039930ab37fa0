// The booking flow on /book/: where (with several locations), massage, therapist, day and time, intake, account, confirm.
// One store holds the state; each step's module reads it and changes it through `page`.

import { apiClient, items, pageConfig } from "../lib/api.js";
import { $, createAnnouncer } from "../lib/dom.js";
import { confirmBooking, renderSummary } from "./confirm.js";
import { checkIntake, preselectIntake, readIntake, syncProviderBlock, writeIntake } from "./intake.js";
import { chooseType, findPreselectedType, loadTypes, renderTypes } from "./massage.js";
import { loadProgress, saveProgress } from "./progress.js";
import { createBookingState, currentType, resumedChoices, stepSummary } from "./state.js";
import { complete, isShown, reveal, showError, updateSummary } from "./steps.js";
import { chooseTherapist, loadTherapists } from "./therapist.js";
import { chooseDay, chooseSlot, loadAvailability, turnPage } from "./time.js";
import { chooseLocation, locationSettled, rememberLocation, showLocation, startLocation } from "./where.js";

/** Fold a finished step into its one-line summary. */
function finish(page, step) {
  complete(step, stepSummary(step, page.store.get(), { intake: readIntake(page.form), rules: page.config.intake }));
}

async function continueFrom(page, step) {
  const { store } = page;
  if (step === "where") {
    if (!locationSettled(store.get())) return showError("where-error", "Please choose where you would like to come.");
    showError("where-error", "");
    rememberLocation(page);
    finish(page, "where");
    reveal("type");
  } else if (step === "type") {
    if (!store.get().typeId) return showError("type-error", "Please choose a massage.");
    showError("type-error", "");
    if (!(await loadTherapists(page))) return undefined;
    finish(page, "type");
    reveal("therapist");
  } else if (step === "therapist") {
    showError("therapist-error", "");
    finish(page, "therapist");
    reveal("time");
    await loadAvailability(page);
  } else if (step === "time") {
    if (!store.get().slot) return showError("time-error", "Please choose a free time.");
    showError("time-error", "");
    finish(page, "time");
    reveal("intake");
  } else if (step === "intake") {
    const problem = checkIntake(page);
    showError("intake-error", problem);
    if (problem) {
      $("provider-consulted").focus();
      return undefined;
    }
    finish(page, "intake");
    renderSummary(page);
    reveal("confirm");
  }
  saveProgress(page);
  return undefined;
}

function onChange(page, event) {
  const input = event.target;
  if (input.name === "location") chooseLocation(page, input.value);
  else if (input.name === "massage_type") chooseType(page, Number(input.value));
  else if (input.name === "therapist") chooseTherapist(page, input.value);
  else if (input.name === "day") chooseDay(page, input.value);
  else if (input.name === "slot") chooseSlot(page, Number(input.value));
  else if (input.name === "red_flags") syncProviderBlock(page);
  saveProgress(page);
}

async function restore(page, saved, preselect) {
  const { config, store } = page;
  if (saved) {
    store.set(resumedChoices(saved, config.today));
    writeIntake(page, saved.intake);
  }
  showLocation(page);
  let onlyIds = null;
  let note = "";
  if (!saved && preselect.therapist) {
    const all = await page.api.get("therapists/");
    const chosen = all.ok ? items(all.data).find((t) => String(t.id) === String(preselect.therapist)) : null;
    if (chosen) {
      store.set({ therapistId: chosen.id });
      onlyIds = chosen.massage_types;
      note = `Massages ${chosen.display_name} offers:`;
    }
  }
  if (!saved) {
    const type = findPreselectedType(store.get(), preselect.type);
    if (type && (!onlyIds || onlyIds.includes(type.id))) store.set({ typeId: type.id });
  }
  if (store.get().typeId && !currentType(store.get())) store.set({ typeId: null });
  renderTypes(page, onlyIds, note);
  // Where comes first: a massage a link asked for stays chosen until the patient has said where.
  if (!store.get().typeId || !locationSettled(store.get())) return;
  const keepTherapist = store.get().therapistId;
  await loadTherapists(page);
  if (keepTherapist !== store.get().therapistId) store.set({ slot: null });
  reveal("therapist", { focus: false });
  if (!saved) return;
  finish(page, "type");
  finish(page, "therapist");
  reveal("time", { focus: false });
  await loadAvailability(page);
  if (!store.get().slot) return;
  finish(page, "time");
  reveal("intake", { focus: false });
  finish(page, "intake");
  renderSummary(page);
  reveal("confirm");
  page.announce("Welcome back. Your booking is as you left it: please check it and confirm.");
}

async function start(form) {
  const given = pageConfig("booking-config");
  const config = { ...given, horizonDays: given.horizonDays || 60 };
  const store = createBookingState(config);
  const page = { config, store, form, api: apiClient(config.api), announce: createAnnouncer($("booking-announcer")) };
  // While the summary is shown it follows the chosen time and the sign-in state.
  store.subscribe((now, before) => {
    if (isShown("confirm") && (now.slot !== before.slot || now.authenticated !== before.authenticated)) {
      renderSummary(page);
    }
    if (now.slot !== before.slot && now.slot) updateSummary("time", stepSummary("time", now));
  });
  form.addEventListener("change", (event) => onChange(page, event));
  form.addEventListener("input", (event) => {
    if (event.target.matches("textarea, input[type=text]")) saveProgress(page);
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-continue]");
    if (button) continueFrom(page, button.dataset.continue);
    const change = event.target.closest("[data-change]");
    if (change) reveal(change.dataset.change);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (isShown("confirm") && store.get().authenticated) confirmBooking(page);
  });
  $("days-earlier").addEventListener("click", () => turnPage(page, -1));
  $("days-later").addEventListener("click", () => turnPage(page, 1));
  for (const link of [$("signup-link"), $("login-link")]) link.addEventListener("click", () => saveProgress(page));

  startLocation(page);
  if (!(await loadTypes(page))) return;
  const params = new URLSearchParams(window.location.search);
  const saved = params.get("resume") ? loadProgress() : null;
  // A link from the questionnaire carries its answers in the fragment: tick them in the intake.
  if (!saved && window.location.hash) preselectIntake(page, window.location.hash);
  await restore(page, saved, config.preselect || {});
  form.dataset.ready = "true";
}

const form = document.getElementById("booking-form");
if (form) start(form);
