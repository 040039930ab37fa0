// The front desk's calendar: a keyboard-and-mouse grid over the server's HTML, the phone
// booking form, moving (drag and drop, or M then Enter), cancelling, outcomes and history,
// and a short poll that swaps in the fresh grid when someone else changes the day.

import { apiClient, documentCsrfToken, errorText, pageConfig } from "../lib/api.js";
import { $, createAnnouncer, el } from "../lib/dom.js";
import {
  bookingGaps,
  bookingPayload,
  canDropOn,
  intakeOf,
  movePayload,
  nextFreeLink,
  nextPosition,
  pendingBooking,
  pollOutcome,
  sameInstant,
  searchReady,
} from "./grid.js";
import { createMoneyPanel } from "./payments.js";

const config = pageConfig("frontdesk-config");
const api = apiClient("");
const announce = createAnnouncer($("fd-status"));
const alertBox = $("fd-alert");
let version = config.version;
let moving = null; // the session being moved with the keyboard
let dragged = null; // the session being dragged
let position = { row: 0, col: 0 };
let openCell = null; // the cell whose booking form is open
let openSession = null;
// The session's money, for staff who may read the ledger (the page names its endpoints only to them).
const money = config.urls.payments ? createMoneyPanel({ api, urls: config.urls, announce }) : null;

// --- the grid: roving tabindex --------------------------------------------------------

function matrix() {
  return [...document.querySelectorAll("#calendar-grid tbody tr")].map((row) => [...row.querySelectorAll("td")]);
}

function locate(cell) {
  const rows = matrix();
  for (let row = 0; row < rows.length; row += 1) {
    const col = rows[row].indexOf(cell);
    if (col >= 0) return { row, col };
  }
  return null;
}

function focusAt(next, { focus = true } = {}) {
  const rows = matrix();
  if (!rows.length || !rows[0].length) return;
  const row = Math.min(next.row, rows.length - 1);
  const col = Math.min(next.col, rows[row].length - 1);
  for (const cell of document.querySelectorAll('#calendar-grid td[tabindex="0"]')) cell.tabIndex = -1;
  const cell = rows[row][col];
  cell.tabIndex = 0;
  position = { row, col };
  if (focus) cell.focus();
}

function initialFocus() {
  const first = document.querySelector("#calendar-grid td.fd-free") || document.querySelector("#calendar-grid td");
  const found = first ? locate(first) : null;
  focusAt(found || { row: 0, col: 0 }, { focus: false });
}

function sessionOf(cell) {
  const id = cell && cell.dataset.session;
  return id ? config.sessions[id] : null;
}

function showAlert(message) {
  alertBox.textContent = message;
  alertBox.hidden = !message;
}

// --- booking by phone -----------------------------------------------------------------

const book = {
  dialog: $("fd-book"),
  form: $("fd-book-form"),
  patient: null,
  newCaller: false,
  searchTimer: null,
};

function localTime(iso) {
  // The server's ISO string is in the location's zone: its wall-clock time is what it says,
  // written as every page writes a time ("1:30 PM").
  const hour = Number(iso.slice(11, 13));
  return `${hour % 12 || 12}:${iso.slice(14, 16)} ${hour < 12 ? "AM" : "PM"}`;
}

function cellFacts(cell) {
  return { start: cell.dataset.start, therapist: cell.dataset.therapist, room: cell.dataset.room };
}

function chosenTherapist() {
  return openCell.dataset.therapist || $("fd-book-therapist").value;
}

function setPatient(patient) {
  book.patient = patient;
  $("fd-find").hidden = Boolean(patient);
  $("fd-chosen").hidden = !patient;
  $("fd-chosen-name").textContent = patient ? `${patient.name} (${patient.phone || patient.email})` : "";
  if (!patient) $("fd-patient-search").focus();
}

function showCaller(on) {
  book.newCaller = on;
  $("fd-caller").hidden = !on;
  $("fd-find").hidden = on;
  if (on) $("fd-caller-first").focus();
  else $("fd-patient-search").focus();
}

async function loadMassages(preselect) {
  const box = $("fd-massages");
  box.replaceChildren(el("p", { class: "fd-hint" }, "Looking up what fits…"));
  const therapist = chosenTherapist();
  if (!therapist) {
    box.replaceChildren(el("p", { class: "fd-hint" }, "Choose the therapist first."));
    return;
  }
  const answer = await api.get(config.urls.options, {
    therapist,
    location: config.location,
    start: openCell.dataset.start,
    room: openCell.dataset.room,
  });
  if (!answer.ok) {
    box.replaceChildren(el("p", { class: "fd-error" }, answer.error.message));
    return;
  }
  const types = answer.data.massage_types;
  if (!types.length) {
    box.replaceChildren(el("p", { class: "fd-hint" }, "No massage this therapist offers fits this free time."));
    return;
  }
  const only = types.length === 1;
  box.replaceChildren(
    ...types.map((type) => {
      const id = `fd-massage-${type.id}`;
      const checked = only || String(type.id) === String(preselect);
      return el(
        "div",
        { class: "fd-option" },
        el("input", { type: "radio", name: "massage_type", id, value: type.id, checked }),
        el("label", { for: id }, `${type.name}, ${type.duration_minutes} min, $${type.price}`),
      );
    }),
  );
}

function openBooking(cell, { massage } = {}) {
  openCell = cell;
  book.form.reset();
  $("fd-book-error").textContent = "";
  $("fd-patient-results").replaceChildren();
  setPatient(null);
  showCaller(false);
  const column = cell.dataset.column;
  $("fd-book-title").textContent = `Book ${cell.dataset.therapist ? column : "in " + column}, ${localTime(cell.dataset.start)}`;
  $("fd-book-when").textContent = cell.getAttribute("aria-label");
  const therapistRow = $("fd-book-therapist-row");
  therapistRow.hidden = Boolean(cell.dataset.therapist);
  if (!cell.dataset.therapist) {
    $("fd-book-therapist").replaceChildren(
      el("option", { value: "" }, "Choose…"),
      ...config.therapists.map((t) => el("option", { value: t.id }, t.name)),
    );
  }
  book.dialog.showModal();
  $("fd-patient-search").focus();
  loadMassages(massage);
}

async function searchPatients() {
  const text = $("fd-patient-search").value;
  const list = $("fd-patient-results");
  if (!searchReady(text)) {
    list.replaceChildren();
    return;
  }
  const answer = await api.get(config.urls.patients, { q: text });
  if (!answer.ok) {
    list.replaceChildren(el("li", {}, answer.error.message));
    return;
  }
  const found = answer.data.patients;
  list.replaceChildren(
    ...(found.length
      ? found.map((patient) => {
          const button = el(
            "button",
            { type: "button", class: "fd-result" },
            el("strong", {}, patient.name),
            ` ${patient.phone || ""} ${patient.email}`,
          );
          button.addEventListener("click", () => {
            setPatient(patient);
            const first = book.form.querySelector('input[name="massage_type"]');
            (first || $("fd-book-confirm")).focus();
          });
          return el("li", {}, button);
        })
      : [el("li", {}, "Nobody found. Add them as a new caller.")]),
  );
  announce(found.length ? `${found.length} patient(s) found.` : "Nobody found.");
}

async function submitBooking(event) {
  event.preventDefault();
  const checked = book.form.querySelector('input[name="massage_type"]:checked');
  const caller = book.newCaller
    ? {
        first_name: $("fd-caller-first").value,
        last_name: $("fd-caller-last").value,
        phone: $("fd-caller-phone").value,
        email: $("fd-caller-email").value,
      }
    : null;
  const choice = {
    therapist: chosenTherapist(),
    massageType: checked ? checked.value : "",
    patient: book.patient ? book.patient.id : null,
    caller,
  };
  const gaps = bookingGaps(choice);
  if (Object.keys(gaps).length) {
    $("fd-book-error").textContent = Object.values(gaps).join(" ");
    return;
  }
  const intake = intakeOf({
    focus_areas: $("fd-focus").value,
    pressure: $("fd-pressure").value,
    pain_level: $("fd-pain").value,
    health_notes: $("fd-notes").value,
  });
  const body = bookingPayload({ cell: cellFacts(openCell), location: config.location, intake, ...choice });
  const answer = await api.post(config.urls.book, body);
  if (!answer.ok) {
    $("fd-book-error").textContent = errorText(answer.error.message, Object.values(answer.error.fields || {}));
    refresh();
    return;
  }
  const made = answer.data.appointment;
  book.dialog.close();
  await refresh({ force: true });
  announce(`Booked: ${made.massage} with ${made.patient}, ${made.time}.`);
  focusSession(made.id);
}

// --- a session: details, outcome, cancel, history, move --------------------------------

function fact(term, value) {
  return [el("dt", {}, term), el("dd", {}, value)];
}

function openSessionPanel(session) {
  openSession = session;
  $("fd-session-title").textContent = `${session.patient}: ${session.massage}`;
  $("fd-session-facts").replaceChildren(
    ...fact("When", session.time),
    ...fact("Therapist", session.therapist),
    ...fact("Room", session.room),
    ...fact("Status", session.status_label),
    ...fact("Contact", session.contact || "—"),
    ...(session.red_flags ? fact("Red flags", `${session.red_flags} answered yes: read the intake`) : []),
    ...(session.new_patient ? fact("New patient", "First session with the clinic") : []),
  );
  $("fd-session-error").textContent = "";
  $("fd-move").hidden = !session.can_change;
  $("fd-cancel-open").hidden = !session.can_change;
  $("fd-mark-completed").hidden = !session.can_mark || session.status === "completed";
  $("fd-mark-no-show").hidden = !session.can_mark || session.status === "no_show";
  $("fd-admin-link").href = session.admin_url;
  $("fd-cancel-form").hidden = true;
  $("fd-history").hidden = true;
  if (money) money.show(session);
  $("fd-session").showModal();
}

async function sessionAction(url, body, done) {
  const answer = await api.post(url, body);
  if (!answer.ok) {
    $("fd-session-error").textContent = answer.error.message;
    return;
  }
  $("fd-session").close();
  await refresh({ force: true });
  announce(done(answer.data.appointment));
  focusSession(answer.data.appointment.id);
}

function startMove(session) {
  moving = session;
  document.body.classList.add("fd-moving");
  showAlert("");
  announce(`Moving ${session.massage} with ${session.patient}. Choose a free cell with the arrow keys and press Enter; Escape stops.`);
  focusSession(session.id);
}

function stopMove(message) {
  moving = null;
  document.body.classList.remove("fd-moving");
  if (message) announce(message);
}

async function moveTo(session, cell) {
  const body = movePayload(session, cellFacts(cell));
  if (sameInstant(body.start, session.start) && !body.therapist && !body.room) {
    stopMove("The session is already there.");
    return;
  }
  const answer = await api.post(config.urls.move, body);
  stopMove();
  if (!answer.ok) {
    showAlert(`Not moved: ${answer.error.message}`);
    focusSession(session.id);
    refresh();
    return;
  }
  const moved = answer.data.appointment;
  showAlert("");
  await refresh({ force: true });
  announce(`Moved: ${moved.massage} with ${moved.patient} is now ${moved.time} with ${moved.therapist}.`);
  focusSession(moved.id);
}

function focusSession(id) {
  const cell = document.querySelector(`#calendar-grid td[data-session="${id}"]`);
  const found = cell ? locate(cell) : null;
  if (found) focusAt(found);
}

// --- keeping current ------------------------------------------------------------------

async function refresh({ force = false } = {}) {
  let response;
  try {
    response = await fetch(config.version_url, {
      credentials: "same-origin",
      headers: force ? {} : { "If-None-Match": version },
      cache: "no-store",
    });
  } catch {
    return;
  }
  const outcome = pollOutcome(response.status, response.headers.get("ETag"), force ? null : version);
  if (outcome !== "changed") return;
  let html;
  try {
    html = await (await fetch(globalThis.location.href, { credentials: "same-origin", cache: "no-store" })).text();
  } catch {
    return;
  }
  const fresh = new DOMParser().parseFromString(html, "text/html");
  const grid = fresh.getElementById("calendar-grid");
  const data = fresh.getElementById("frontdesk-config");
  if (!grid || !data) return;
  const had = document.activeElement && document.activeElement.closest("#calendar-grid") ? position : null;
  const next = JSON.parse(data.textContent);
  config.sessions = next.sessions;
  version = next.version;
  $("calendar-grid").replaceChildren(...fresh.importNode(grid, true).childNodes);
  if (had) focusAt(had);
  else focusAt(position, { focus: false });
  if (!force) announce("The calendar was updated: someone else changed this day.");
}

async function poll() {
  // A hidden tab waits; offline for a moment, the next poll tries again (refresh swallows it).
  if (!document.hidden) await refresh();
  globalThis.setTimeout(poll, config.poll_seconds * 1000);
}

// --- wiring ---------------------------------------------------------------------------

function activate(cell) {
  if (moving) {
    if (canDropOn(moving, cell.dataset)) moveTo(moving, cell);
    else announce("That cell is not free. Choose a free cell, or press Escape.");
    return;
  }
  const session = sessionOf(cell);
  if (session) openSessionPanel(session);
  else if (cell.dataset.state === "free") openBooking(cell);
}

function wireGrid() {
  const grid = $("calendar-grid");
  grid.addEventListener("keydown", (event) => {
    const cell = event.target.closest("td");
    if (!cell) return;
    const here = locate(cell);
    const rows = matrix();
    const next = nextPosition(here, event.key, { rows: rows.length, cols: rows[0].length }, { ctrl: event.ctrlKey });
    if (next) {
      event.preventDefault();
      focusAt(next);
      return;
    }
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      activate(cell);
    } else if ((event.key === "m" || event.key === "M") && sessionOf(cell) && sessionOf(cell).can_change) {
      event.preventDefault();
      startMove(sessionOf(cell));
    } else if (event.key === "Escape" && moving) {
      event.preventDefault();
      const id = moving.id;
      stopMove("Move stopped.");
      focusSession(id);
    }
  });
  grid.addEventListener("click", (event) => {
    const cell = event.target.closest("td");
    if (!cell || event.target.closest("a")) return;
    const found = locate(cell);
    if (found) focusAt(found);
    activate(cell);
  });
  grid.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".fd-card");
    const session = card && config.sessions[card.dataset.session];
    if (!session || !session.can_change) return;
    dragged = session;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", String(session.id));
  });
  grid.addEventListener("dragover", (event) => {
    const cell = event.target.closest("td");
    if (dragged && cell && canDropOn(dragged, cell.dataset)) event.preventDefault();
  });
  grid.addEventListener("drop", (event) => {
    const cell = event.target.closest("td");
    if (!dragged || !cell) return;
    event.preventDefault();
    const session = dragged;
    dragged = null;
    moveTo(session, cell);
  });
  grid.addEventListener("dragend", () => {
    dragged = null;
  });
}

function wireDialogs() {
  for (const button of document.querySelectorAll("dialog [data-close]")) {
    button.addEventListener("click", () => button.closest("dialog").close());
  }
  for (const dialog of document.querySelectorAll("dialog")) {
    dialog.addEventListener("close", () => focusAt(position));
  }
  $("fd-patient-search").addEventListener("input", () => {
    globalThis.clearTimeout(book.searchTimer);
    book.searchTimer = globalThis.setTimeout(searchPatients, 200);
  });
  $("fd-new-caller").addEventListener("click", () => showCaller(true));
  $("fd-back-to-search").addEventListener("click", () => showCaller(false));
  $("fd-change-patient").addEventListener("click", () => setPatient(null));
  $("fd-book-therapist").addEventListener("change", () => loadMassages());
  book.form.addEventListener("submit", submitBooking);

  $("fd-move").addEventListener("click", () => {
    $("fd-session").close();
    startMove(openSession);
  });
  $("fd-mark-completed").addEventListener("click", () =>
    sessionAction(config.urls.mark, { appointment: openSession.id, outcome: "completed" }, (s) => `Marked completed: ${s.patient}, ${s.time}.`),
  );
  $("fd-mark-no-show").addEventListener("click", () =>
    sessionAction(config.urls.mark, { appointment: openSession.id, outcome: "no_show" }, (s) => `Marked no-show: ${s.patient}, ${s.time}.`),
  );
  $("fd-cancel-open").addEventListener("click", () => {
    $("fd-cancel-form").hidden = false;
    $("fd-cancel-reason").focus();
  });
  $("fd-cancel-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("fd-cancel-reason").value.trim();
    if (!reason) {
      $("fd-session-error").textContent = "Say why the session is cancelled.";
      $("fd-cancel-reason").focus();
      return;
    }
    sessionAction(
      config.urls.cancel,
      { appointment: openSession.id, reason, notify: $("fd-cancel-notify").checked },
      (s) => `Cancelled: ${s.massage} with ${s.patient}, ${s.time}.`,
    );
  });
  $("fd-history-open").addEventListener("click", async () => {
    const box = $("fd-history");
    let html = "";
    try {
      html = await (await fetch(openSession.history_url, { credentials: "same-origin" })).text();
    } catch {
      html = "";
    }
    // The server renders the history with Django's escaping (audit.display.history_table).
    const parsed = new DOMParser().parseFromString(html || "<p>The history could not be loaded.</p>", "text/html");
    box.replaceChildren(el("h3", {}, "History"), ...parsed.body.childNodes);
    box.hidden = false;
    box.tabIndex = -1;
    box.focus();
  });
  const finder = $("fd-next-free");
  if (finder) {
    finder.addEventListener("submit", async (event) => {
      event.preventDefault();
      const params = { massage_type: $("fd-next-massage").value, location: config.location };
      if ($("fd-next-therapist").value) params.therapist = $("fd-next-therapist").value;
      const answer = await api.get(config.urls.next_free, params);
      if (!answer.ok) {
        showAlert(answer.error.message);
        return;
      }
      globalThis.location.assign(nextFreeLink(config.urls.day, answer.data, config.location));
    });
  }
}

function openPending() {
  const pending = pendingBooking(globalThis.location.search);
  if (!pending) return;
  const cell = [...document.querySelectorAll("#calendar-grid td.fd-free")].find(
    (each) => Number(each.dataset.therapist) === pending.therapist && sameInstant(each.dataset.start, pending.start),
  );
  if (!cell) {
    showAlert("That free time was taken meanwhile. Please look again.");
    return;
  }
  focusAt(locate(cell));
  openBooking(cell, { massage: pending.massage });
}

documentCsrfToken(); // the CSRF cookie must exist before the first change (Django sets it with the page)
wireGrid();
wireDialogs();
initialFocus();
openPending();
globalThis.setTimeout(poll, config.poll_seconds * 1000);
