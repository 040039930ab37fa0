// The booking flow on /book/: massage, therapist, day and time, intake, account, confirm.
// Everything entered is kept in sessionStorage, so signing in on the way loses nothing.

import { apiGet, apiPost, items, pageConfig } from "./lib/api.js";
import {
  addDays,
  clinicFormat,
  dateRange,
  distinctStarts,
  el,
  dayTiles,
  nearestSlots,
  radioOption,
  slotGroups,
  slotsByDay,
} from "./lib/slots.js";

const STORAGE_KEY = "clinic.booking.v1";
const STEPS = ["type", "therapist", "time", "intake", "confirm"];
const INTAKE_FIELDS = ["focus_areas", "pain_level", "pressure", "health_notes", "red_flags", "provider_consulted"];
const SLOT_GONE = new Set(["slot_taken", "slot_unavailable"]);
const ALTERNATIVES = 6;

const config = pageConfig("booking-config");
const form = document.getElementById("booking-form");
const announcer = document.getElementById("booking-announcer");
const $ = (id) => document.getElementById(id);

let format = clinicFormat(config.timeZone);
const state = {
  typeId: null,
  therapistId: "any",
  windowStart: config.today,
  day: null,
  slot: null,
};
let massageTypes = [];
let therapists = [];
let daySlots = {};

// --- small helpers ------------------------------------------------------------------

function announce(message) {
  announcer.textContent = "";
  window.setTimeout(() => {
    announcer.textContent = message;
  }, 50);
}

function showError(id, message) {
  const box = $(id);
  box.textContent = "";
  if (message) box.append(el("p", {}, message));
  box.classList.toggle("is-visible", Boolean(message));
}

function stepSection(step) {
  return $(`step-${step}`);
}

function reveal(step, { focus = true } = {}) {
  const section = stepSection(step);
  section.hidden = false;
  if (focus) {
    const heading = section.querySelector(".step__title");
    heading.focus();
    section.scrollIntoView({ block: "start", behavior: "smooth" });
  }
}

function hideAfter(step) {
  for (const later of STEPS.slice(STEPS.indexOf(step) + 1)) stepSection(later).hidden = true;
  $("alternatives").hidden = true;
  showError("confirm-error", "");
}

function currentType() {
  return massageTypes.find((type) => type.id === state.typeId) || null;
}

function therapistName(id) {
  const found = therapists.find((therapist) => therapist.id === id);
  return found ? found.display_name : "";
}

function money(value) {
  const number = Number(value);
  return Number.isFinite(number) ? `$${number.toFixed(2)}` : `$${value}`;
}

// --- the intake fields ----------------------------------------------------------------

function checkedValues(name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((input) => input.value);
}

function readIntake() {
  const areas = checkedValues("focus_area");
  const other = $("focus-other").value.trim();
  const pain = checkedValues("pain_level")[0];
  return {
    focus_area_choices: areas,
    focus_other: other,
    focus_areas: [...areas, other].filter(Boolean).join(", ").slice(0, 300),
    pain_level: pain === undefined ? null : Number(pain),
    pressure: checkedValues("pressure")[0] || "",
    health_notes: $("health-notes").value,
    red_flags: checkedValues("red_flags"),
    provider_consulted: $("provider-consulted").checked,
  };
}

function writeIntake(intake) {
  if (!intake) return;
  for (const input of form.querySelectorAll('input[name="focus_area"]')) {
    input.checked = (intake.focus_area_choices || []).includes(input.value);
  }
  $("focus-other").value = intake.focus_other || "";
  for (const input of form.querySelectorAll('input[name="pain_level"]')) {
    input.checked = intake.pain_level !== null && Number(input.value) === intake.pain_level;
  }
  for (const input of form.querySelectorAll('input[name="pressure"]')) {
    input.checked = input.value === (intake.pressure || "");
  }
  $("health-notes").value = intake.health_notes || "";
  for (const input of form.querySelectorAll('input[name="red_flags"]')) {
    input.checked = (intake.red_flags || []).includes(input.value);
  }
  $("provider-consulted").checked = Boolean(intake.provider_consulted);
  syncProviderBlock();
}

function syncProviderBlock() {
  $("provider-block").hidden = checkedValues("red_flags").length === 0;
}

function clearFieldErrors() {
  for (const field of INTAKE_FIELDS) {
    const box = $(`error-${field}`);
    if (box) box.textContent = "";
    const wrapper = $(`field-${field}`);
    if (wrapper) wrapper.classList.remove("field--error");
  }
}

function showFieldErrors(fields) {
  let first = null;
  for (const [field, message] of Object.entries(fields)) {
    const box = $(`error-${field}`);
    if (!box) continue;
    box.textContent = message;
    const wrapper = $(`field-${field}`);
    if (wrapper) wrapper.classList.add("field--error");
    first = first || field;
  }
  return first;
}

function validateIntake() {
  clearFieldErrors();
  const intake = readIntake();
  if (intake.red_flags.length && !intake.provider_consulted) {
    const message =
      "You ticked a warning sign: please confirm that you have talked to your doctor or health provider about this massage.";
    showFieldErrors({ provider_consulted: message });
    return message;
  }
  return "";
}

// --- saving and restoring ---------------------------------------------------------

function save() {
  const snapshot = { ...state, intake: readIntake(), savedAt: Date.now() };
  try {
    window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(snapshot));
  } catch {
    // Storage may be full or disabled; the flow still works without it.
  }
}

function load() {
  try {
    return JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
  } catch {
    return null;
  }
}

function forget() {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing to forget.
  }
}

// --- step 1: massage -----------------------------------------------------------------

function renderTypes(onlyIds, note) {
  const box = $("type-options");
  box.textContent = "";
  const shown = onlyIds ? massageTypes.filter((type) => onlyIds.includes(type.id)) : massageTypes;
  if (note) box.append(el("p", { class: "hint" }, note));
  if (!shown.length) {
    box.append(el("p", {}, "No massages can be booked online right now. Please call the clinic."));
    return;
  }
  for (const type of shown) {
    const goodFor = (type.good_for || []).join(", ");
    box.append(
      radioOption({
        name: "massage_type",
        id: `type-${type.id}`,
        value: String(type.id),
        title: type.name,
        detail: `${type.duration_minutes} minutes · ${money(type.price)}${goodFor ? ` · Good for ${goodFor}` : ""}`,
        checked: type.id === state.typeId,
      }),
    );
  }
}

async function loadTypes() {
  const answer = await apiGet(config.api, "massage-types/");
  if (!answer.ok) {
    $("type-options").textContent = "";
    showError("type-error", answer.error.message);
    return false;
  }
  massageTypes = items(answer.data);
  return true;
}

function findPreselectedType(wanted) {
  if (!wanted) return null;
  return massageTypes.find((type) => type.slug === wanted || String(type.id) === String(wanted)) || null;
}

// --- step 2: therapist ---------------------------------------------------------------

async function loadTherapists() {
  const box = $("therapist-options");
  box.textContent = "";
  box.append(el("p", { class: "loading" }, "Loading therapists…"));
  const answer = await apiGet(config.api, "therapists/", { massage_type: state.typeId });
  box.textContent = "";
  if (!answer.ok) {
    showError("therapist-error", answer.error.message);
    return false;
  }
  therapists = items(answer.data);
  if (state.therapistId !== "any" && !therapists.some((t) => t.id === state.therapistId)) state.therapistId = "any";
  box.append(
    radioOption({
      name: "therapist",
      id: "therapist-any",
      value: "any",
      title: "Any available therapist",
      detail: "Shows the most free times.",
      checked: state.therapistId === "any",
    }),
  );
  for (const therapist of therapists) {
    box.append(
      radioOption({
        name: "therapist",
        id: `therapist-${therapist.id}`,
        value: String(therapist.id),
        title: therapist.display_name,
        detail: therapist.bio || "",
        checked: therapist.id === state.therapistId,
      }),
    );
  }
  return true;
}

// --- step 3: day and time ------------------------------------------------------------

function windowDays() {
  return dateRange(state.windowStart, config.days);
}

async function loadAvailability() {
  const days = windowDays();
  $("days-range").textContent = `${format.shortDay(days[0])} to ${format.shortDay(days[days.length - 1])}`;
  $("days-earlier").disabled = state.windowStart <= config.today;
  $("days-later").disabled = addDays(state.windowStart, config.days) > addDays(config.today, config.horizonDays);
  const dayBox = $("day-options");
  dayBox.textContent = "";
  dayBox.append(el("p", { class: "loading" }, "Looking for free times…"));
  dayBox.setAttribute("aria-busy", "true");
  const answer = await apiGet(config.api, "availability/", {
    massage_type: state.typeId,
    date_from: days[0],
    date_to: days[days.length - 1],
    therapist: state.therapistId === "any" ? "" : state.therapistId,
  });
  dayBox.removeAttribute("aria-busy");
  dayBox.textContent = "";
  if (!answer.ok) {
    showError("time-error", answer.error.message);
    return;
  }
  showError("time-error", "");
  if (answer.data.time_zone && answer.data.time_zone !== config.timeZone) {
    config.timeZone = answer.data.time_zone;
    format = clinicFormat(config.timeZone);
  }
  const slots = answer.data.slots || [];
  for (const name of document.querySelectorAll(".zone-name")) name.textContent = format.genericZone();
  daySlots = slotsByDay(slots, format);
  dayBox.append(
    dayTiles(days, (day) => slotsOfDay(day).length, format, { name: "day", idPrefix: "day-", checkedDay: state.day }),
  );
  if (!state.day || !daySlots[state.day]) {
    state.day = days.find((day) => (daySlots[day] || []).length) || null;
    const input = state.day && $(`day-${state.day}`);
    if (input) input.checked = true;
  }
  renderSlots();
  if (!slots.length) {
    announce("There are no free times in these two weeks. Try later days or another therapist.");
  }
}

function slotsOfDay(day) {
  const slots = daySlots[day] || [];
  return state.therapistId === "any" ? distinctStarts(slots) : slots;
}

function sameSlot(a, b) {
  return Boolean(a && b) && new Date(a.start).getTime() === new Date(b.start).getTime() && a.therapist === b.therapist;
}

function renderSlots() {
  const box = $("slot-options");
  box.textContent = "";
  if (!state.day) {
    $("slots-legend").textContent = "Free times";
    box.append(el("p", { class: "hint" }, "No free times in these days. Try later days or another therapist."));
    return;
  }
  $("slots-legend").textContent = `Free times on ${format.longDay(state.day)}`;
  const chosen = state.slot ? new Date(state.slot.start).getTime() : null;
  box.append(
    slotGroups(slotsOfDay(state.day), format, {
      name: "slot",
      idPrefix: "slot-",
      isChecked: (slot) => new Date(slot.start).getTime() === chosen,
    }),
  );
}

// --- step 5: summary, confirm and the slot-taken path -----------------------------------

function renderSummary() {
  const type = currentType();
  const box = $("summary");
  box.textContent = "";
  const rows = [
    ["Massage", type ? `${type.name} (${type.duration_minutes} minutes)` : ""],
    ["Therapist", state.slot ? therapistName(state.slot.therapist) || "Any available therapist" : "Not chosen yet"],
    ["When", state.slot ? `${format.when(state.slot.start)} (${format.zoneName(state.slot.start)})` : "Not chosen yet"],
    ["Price", type ? `${money(type.price)}, paid at the clinic` : ""],
  ];
  for (const [term, value] of rows) {
    box.append(el("div", { class: "summary__row" }, el("dt", {}, term), el("dd", {}, value)));
  }
  $("account-needed").hidden = config.authenticated;
  $("confirm-actions").hidden = !config.authenticated;
}

async function showAlternatives(target) {
  const day = format.dayOf(target.start);
  const from = addDays(day, -1) < config.today ? config.today : addDays(day, -1);
  const answer = await apiGet(config.api, "availability/", {
    massage_type: state.typeId,
    date_from: from,
    date_to: addDays(day, 3),
    therapist: state.therapistId === "any" ? "" : state.therapistId,
  });
  const box = $("alternative-options");
  box.textContent = "";
  const slots = answer.ok ? answer.data.slots || [] : [];
  const pool = state.therapistId === "any" ? distinctStarts(slots) : slots;
  const nearest = nearestSlots(pool, target, ALTERNATIVES);
  if (!nearest.length) {
    $("alternatives").hidden = true;
    return 0;
  }
  nearest.forEach((slot, index) => {
    const input = radioOption({
      name: "alternative",
      id: `alternative-${index}`,
      value: String(index),
      title: `${format.shortDay(format.dayOf(slot.start))}, ${format.time(slot.start)}`,
      detail: state.therapistId === "any" ? therapistName(slot.therapist) : "",
      className: "slot",
    });
    input.querySelector("input").addEventListener("change", () => {
      state.slot = slot;
      state.day = format.dayOf(slot.start);
      save();
      renderSummary();
      showError("confirm-error", "");
      announce(`Selected ${format.when(slot.start)} with ${therapistName(slot.therapist)}. Press Confirm booking to book it.`);
    });
    box.append(input);
  });
  $("alternatives").hidden = false;
  return nearest.length;
}

async function slotGone(error) {
  const taken = state.slot;
  const when = format.when(taken.start);
  state.slot = null;
  save();
  const count = await showAlternatives(taken);
  const message =
    count > 0
      ? `Sorry, ${when} was booked by someone else a moment ago. Here are the nearest free times. Your answers are kept: choose a time and confirm again.`
      : `Sorry, ${when} was booked by someone else a moment ago, and there are no other free times close to it. Your answers are kept: please pick another day in step 3.`;
  showError("confirm-error", message);
  renderSummary();
  // Step 3 must not keep offering the time that just went.
  await loadAvailability();
  if (count > 0) {
    $("alternative-options").querySelector("input").focus();
  } else {
    $("step-time-title").focus();
  }
  return error;
}

async function confirm() {
  showError("confirm-error", "");
  if (!state.slot) {
    showError("confirm-error", "Please choose a time first.");
    return;
  }
  const problem = validateIntake();
  if (problem) {
    reveal("intake");
    showError("intake-error", problem);
    $("provider-consulted").focus();
    return;
  }
  const intake = readIntake();
  const button = $("confirm-button");
  button.disabled = true;
  button.textContent = "Booking…";
  const answer = await apiPost(config.api, "appointments/", {
    massage_type: state.typeId,
    therapist: state.slot.therapist,
    start: state.slot.start,
    focus_areas: intake.focus_areas,
    pain_level: intake.pain_level,
    pressure: intake.pressure,
    health_notes: intake.health_notes,
    red_flags: intake.red_flags,
    provider_consulted: intake.provider_consulted,
  });
  button.disabled = false;
  button.textContent = "Confirm booking";
  if (answer.ok) {
    forget();
    window.location.assign(config.confirmedUrl.replace("/0/", `/${answer.data.id}/`));
    return;
  }
  const error = answer.error;
  if (answer.status === 409 && SLOT_GONE.has(error.code)) {
    await slotGone(error);
    return;
  }
  if (answer.status === 401 || answer.status === 403) {
    config.authenticated = false;
    save();
    renderSummary();
    showError("confirm-error", "Please sign in again to confirm. Everything you entered is kept.");
    return;
  }
  const firstField = showFieldErrors(error.fields || {});
  if (firstField) {
    reveal("intake", { focus: false });
    showError("intake-error", error.message);
  }
  const other = Object.entries(error.fields || {})
    .filter(([field]) => !INTAKE_FIELDS.includes(field))
    .map(([, message]) => message);
  showError("confirm-error", [error.message, ...other].join(" "));
  $("confirm-error").focus();
}

// --- wiring ------------------------------------------------------------------------

async function continueFrom(step) {
  if (step === "type") {
    if (!state.typeId) return showError("type-error", "Please choose a massage.");
    showError("type-error", "");
    if (await loadTherapists()) reveal("therapist");
  } else if (step === "therapist") {
    showError("therapist-error", "");
    reveal("time");
    await loadAvailability();
  } else if (step === "time") {
    if (!state.slot) return showError("time-error", "Please choose a free time.");
    showError("time-error", "");
    reveal("intake");
  } else if (step === "intake") {
    const problem = validateIntake();
    showError("intake-error", problem);
    if (problem) {
      $("provider-consulted").focus();
      return undefined;
    }
    renderSummary();
    reveal("confirm");
  }
  save();
  return undefined;
}

function onChange(event) {
  const input = event.target;
  if (input.name === "massage_type") {
    // The chosen therapist stays if they offer the new massage too (loadTherapists checks).
    state.typeId = Number(input.value);
    state.slot = null;
    state.day = null;
    hideAfter("type");
  } else if (input.name === "therapist") {
    state.therapistId = input.value === "any" ? "any" : Number(input.value);
    state.slot = null;
    hideAfter("therapist");
  } else if (input.name === "day") {
    state.day = input.value;
    state.slot = null;
    renderSlots();
    hideAfter("time");
    announce(`${slotsOfDay(state.day).length} free times on ${format.longDay(state.day)}.`);
  } else if (input.name === "slot") {
    state.slot = slotsOfDay(state.day)[Number(input.value)];
    showError("time-error", "");
    if (!stepSection("confirm").hidden) renderSummary();
  } else if (input.name === "red_flags") {
    syncProviderBlock();
  }
  save();
}

async function page(direction) {
  state.windowStart = addDays(state.windowStart, direction * config.days);
  if (state.windowStart < config.today) state.windowStart = config.today;
  state.day = null;
  state.slot = null;
  hideAfter("time");
  await loadAvailability();
  save();
}

async function restore(saved, preselect) {
  if (saved) {
    Object.assign(state, {
      typeId: saved.typeId,
      therapistId: saved.therapistId,
      windowStart: saved.windowStart && saved.windowStart >= config.today ? saved.windowStart : config.today,
      day: saved.day,
      slot: saved.slot,
    });
    writeIntake(saved.intake);
  }
  let onlyIds = null;
  let note = "";
  if (!saved && preselect.therapist) {
    const all = await apiGet(config.api, "therapists/");
    const chosen = all.ok ? items(all.data).find((t) => String(t.id) === String(preselect.therapist)) : null;
    if (chosen) {
      state.therapistId = chosen.id;
      onlyIds = chosen.massage_types;
      note = `Massages ${chosen.display_name} offers:`;
    }
  }
  if (!saved) {
    const type = findPreselectedType(preselect.type);
    if (type && (!onlyIds || onlyIds.includes(type.id))) state.typeId = type.id;
  }
  if (state.typeId && !currentType()) state.typeId = null;
  renderTypes(onlyIds, note);
  if (!state.typeId) return;
  const keepTherapist = state.therapistId;
  await loadTherapists();
  if (keepTherapist !== state.therapistId) state.slot = null;
  reveal("therapist", { focus: false });
  if (!saved) return;
  reveal("time", { focus: false });
  await loadAvailability();
  if (!state.slot) return;
  reveal("intake", { focus: false });
  renderSummary();
  reveal("confirm");
  announce("Welcome back. Your booking is as you left it: please check it and confirm.");
}

async function init() {
  if (!form) return;
  config.horizonDays = config.horizonDays || 60;
  form.addEventListener("change", onChange);
  form.addEventListener("input", (event) => {
    if (event.target.matches("textarea, input[type=text]")) save();
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-continue]");
    if (button) continueFrom(button.dataset.continue);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!stepSection("confirm").hidden && config.authenticated) confirm();
  });
  $("days-earlier").addEventListener("click", () => page(-1));
  $("days-later").addEventListener("click", () => page(1));
  for (const link of [$("signup-link"), $("login-link")]) link.addEventListener("click", save);

  if (!(await loadTypes())) return;
  const params = new URLSearchParams(window.location.search);
  const saved = params.get("resume") ? load() : null;
  await restore(saved, config.preselect || {});
  form.dataset.ready = "true";
}

init();
