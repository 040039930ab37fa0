// The page's step sections (where, when the clinic has several locations, then five): showing, hiding and their error boxes.

import { $, el } from "../lib/dom.js";

const STEPS = ["where", "type", "therapist", "time", "intake", "confirm"];

/** Return a step's <section>. */
export function stepSection(step) {
  return $(`step-${step}`);
}

/** Tell whether a step is on screen (the "where" step is absent with one location). */
export function isShown(step) {
  const section = stepSection(step);
  return Boolean(section) && !section.hidden;
}

/** Tell whether a step is folded into its one-line summary. */
export function isDone(step) {
  return stepSection(step).classList.contains("step--done");
}

function fold(step, done) {
  stepSection(step).classList.toggle("step--done", done);
  $(`step-${step}-done`).hidden = !done;
  $(`step-${step}-content`).hidden = done;
}

/** Fold a finished step into one line (its summary and a "Change" button), keeping its answers in the form. */
export function complete(step, summary) {
  $(`step-${step}-summary`).textContent = summary;
  fold(step, true);
}

/** Write a finished step's summary again (its answer changed elsewhere, e.g. an alternative time). */
export function updateSummary(step, summary) {
  if (isDone(step)) $(`step-${step}-summary`).textContent = summary;
}

/** Show a step open; with focus, move to its heading so keyboard and screen reader users land there. */
export function reveal(step, { focus = true } = {}) {
  const section = stepSection(step);
  section.hidden = false;
  if (section.classList.contains("step--done")) fold(step, false);
  if (focus) {
    section.querySelector(".step__title").focus();
    section.scrollIntoView({ block: "start", behavior: "smooth" });
  }
}

/** Put a message in an error box, or empty and hide it when the message is "". */
export function showError(id, message) {
  const box = $(id);
  box.textContent = "";
  if (message) box.append(el("p", {}, message));
  box.classList.toggle("is-visible", Boolean(message));
}

/** Hide the steps after this one: a changed answer makes them stale. */
export function hideAfter(step) {
  for (const later of STEPS.slice(STEPS.indexOf(step) + 1)) {
    if (!stepSection(later)) continue;
    stepSection(later).hidden = true;
    if (later !== "confirm") fold(later, false);
  }
  $("alternatives").hidden = true;
  showError("confirm-error", "");
}
