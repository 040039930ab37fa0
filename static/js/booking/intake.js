// Step 4: the intake questions. What the answers mean and when they may be sent is in
// lib/intake.js; this module reads and fills the form and shows the field messages.

import { $, checkedValues } from "../lib/dom.js";
import { answersFromLink, composeIntake, intakeErrors, redFlagsTicked } from "../lib/intake.js";

/** Return the intake as the form holds it now. */
export function readIntake(form) {
  return composeIntake({
    areas: checkedValues(form, "focus_area"),
    other: $("focus-other").value,
    pain: checkedValues(form, "pain_level")[0],
    pressure: checkedValues(form, "pressure")[0],
    healthNotes: $("health-notes").value,
    redFlags: checkedValues(form, "red_flags"),
    providerConsulted: $("provider-consulted").checked,
  });
}

/** Fill the form with a kept intake. */
export function writeIntake(page, intake) {
  if (!intake) return;
  const { form } = page;
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
  syncProviderBlock(page);
}

/** Tick the answers a link from the questionnaire carries (focus areas, pressure, pain). */
export function preselectIntake(page, fragment) {
  const { form } = page;
  const areaInputs = [...form.querySelectorAll('input[name="focus_area"]')];
  const answers = answersFromLink(fragment, {
    areas: areaInputs.map((input) => input.dataset.area),
    pressures: page.config.intake.pressures.map((choice) => choice.value),
  });
  for (const input of areaInputs) if (answers.areas.includes(input.dataset.area)) input.checked = true;
  if (answers.pressure) $(`pressure-${answers.pressure}`).checked = true;
  if (answers.pain !== null) $(`pain-${answers.pain}`).checked = true;
  return answers;
}

/** Show the provider question exactly when a warning sign is ticked. */
export function syncProviderBlock(page) {
  $("provider-block").hidden = redFlagsTicked(checkedValues(page.form, "red_flags"), page.config.intake).length === 0;
}

function clearFieldErrors(page) {
  for (const field of page.config.intake.fields) {
    const box = $(`error-${field}`);
    if (box) box.textContent = "";
    const wrapper = $(`field-${field}`);
    if (wrapper) wrapper.classList.remove("field--error");
  }
}

/** Show each field's message next to it; return the first field shown, or null. */
export function showFieldErrors(fields) {
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

/** Check the intake before it is sent: show its field messages and return the first, or "". */
export function checkIntake(page) {
  clearFieldErrors(page);
  const errors = intakeErrors(readIntake(page.form), page.config.intake);
  showFieldErrors(errors);
  return Object.values(errors)[0] || "";
}
