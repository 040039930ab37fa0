// "My appointments": cancel or move an upcoming appointment through the REST API, within the policy.
// When the clinic refuses, the API's own message says why.

import { apiClient, isSlotGone, pageConfig } from "./lib/api.js";
import { clinicFormat, dateRange, formatForZone, shiftWindow, windowPaging } from "./lib/dates.js";
import { createAnnouncer, el } from "./lib/dom.js";
import { firstDayWithSlots, sameStart, slotsByDay, slotsToOffer } from "./lib/slots.js";
import { storedValue } from "./lib/storage.js";
import { dayTiles, openingsByDay, slotGroups } from "./lib/tiles.js";

const config = pageConfig("appointments-config");
const api = apiClient(config.api);
const announce = createAnnouncer(document.getElementById("appointments-announcer"));
const flash = storedValue("clinic.appointments.flash");

function flashThenReload(message) {
  flash.write(message);
  window.location.reload();
}

function showFlash() {
  const message = flash.take();
  if (!message) return;
  const box = document.getElementById("flash");
  box.textContent = "";
  box.append(el("p", { class: "message" }, message));
  box.hidden = false;
  box.focus();
}

class AppointmentCard {
  constructor(card) {
    this.card = card;
    this.id = card.dataset.appointment;
    this.typeId = card.dataset.massageType;
    this.therapistId = Number(card.dataset.therapist);
    this.locationId = card.dataset.location;
    this.start = card.dataset.start;
    // Each card shows its times in its location's zone, as the availability API last stated it.
    this.format = clinicFormat(card.dataset.timeZone || config.timeZone);
    this.title = card.querySelector(".card__title").textContent.trim();
    this.error = document.getElementById(`appointment-${this.id}-error`);
    this.panels = {
      cancel: document.getElementById(`appointment-${this.id}-cancel`),
      reschedule: document.getElementById(`appointment-${this.id}-reschedule`),
    };
    this.windowStart = config.today;
    this.day = null;
    this.slot = null;
    this.daySlots = {};
    this.wire();
  }

  wire() {
    this.card.addEventListener("click", (event) => {
      const button = event.target.closest("[data-action]");
      if (!button) return;
      const action = button.dataset.action;
      if (action === "cancel" || action === "reschedule") this.toggle(action, button);
      else if (action === "close") this.closeAll(true);
      else if (action === "earlier") this.page(-1);
      else if (action === "later") this.page(1);
    });
    this.panels.cancel.addEventListener("submit", (event) => {
      event.preventDefault();
      this.cancel();
    });
    this.panels.reschedule.addEventListener("submit", (event) => {
      event.preventDefault();
      this.reschedule();
    });
    this.panels.reschedule.addEventListener("change", (event) => this.onChange(event));
  }

  button(action) {
    return this.card.querySelector(`button[data-action="${action}"]`);
  }

  setError(message) {
    this.error.textContent = "";
    if (message) {
      this.error.append(el("p", {}, message));
      this.error.focus();
    }
  }

  closeAll(returnFocus) {
    for (const [action, panel] of Object.entries(this.panels)) {
      if (!panel.hidden && returnFocus) this.button(action).focus();
      panel.hidden = true;
      this.button(action).setAttribute("aria-expanded", "false");
    }
  }

  toggle(action, button) {
    const panel = this.panels[action];
    const opening = panel.hidden;
    this.closeAll(false);
    this.setError("");
    if (!opening) return;
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
    if (action === "reschedule") this.loadAvailability();
    const first = panel.querySelector("textarea, input");
    if (first) first.focus();
  }

  async cancel() {
    const submit = this.panels.cancel.querySelector('button[type="submit"]');
    submit.disabled = true;
    const reason = this.panels.cancel.querySelector("textarea").value.trim();
    const answer = await api.post(`appointments/${this.id}/cancel/`, { reason });
    submit.disabled = false;
    if (answer.ok) {
      flashThenReload(`Your ${this.title} on ${this.format.when(this.start)} is cancelled.`);
      return;
    }
    this.setError(answer.error.message);
  }

  who() {
    const input = this.panels.reschedule.querySelector('input[name="who"]:checked');
    return input && input.value === "any" ? "any" : "same";
  }

  async page(direction) {
    this.windowStart = shiftWindow(this.windowStart, direction, config);
    this.day = null;
    this.slot = null;
    await this.loadAvailability();
  }

  part(role) {
    return this.panels.reschedule.querySelector(`[data-role="${role}"]`);
  }

  async loadAvailability() {
    const days = dateRange(this.windowStart, config.days);
    const shown = this.format;
    this.part("range").textContent = `${shown.shortDay(days[0])} to ${shown.shortDay(days[days.length - 1])}`;
    const paging = windowPaging(this.windowStart, config);
    this.panels.reschedule.querySelector('[data-action="earlier"]').disabled = !paging.earlier;
    this.panels.reschedule.querySelector('[data-action="later"]').disabled = !paging.later;
    const dayBox = this.part("days");
    dayBox.textContent = "";
    dayBox.append(el("p", { class: "loading" }, "Looking for free times…"));
    const answer = await api.get("availability/", {
      massage_type: this.typeId,
      date_from: days[0],
      date_to: days[days.length - 1],
      therapist: this.who() === "same" ? this.therapistId : "",
      // A session moves in time, not to another address.
      location: this.locationId,
      // The appointment's own time counts as free, so the new time may overlap the old one.
      ignoring: this.id,
    });
    dayBox.textContent = "";
    if (!answer.ok) {
      this.setError(answer.error.message);
      return;
    }
    this.format = formatForZone(this.format, answer.data.time_zone);
    const { format } = this;
    const mine = new Date(this.start).getTime();
    // The current time with the current therapist is where the appointment already is.
    const slots = (answer.data.slots || []).filter(
      (slot) => !(new Date(slot.start).getTime() === mine && slot.therapist === this.therapistId),
    );
    const openings = openingsByDay(answer.data.days);
    this.panels.reschedule.querySelector(".zone-name").textContent = format.genericZone();
    this.daySlots = slotsByDay(slots, format);
    dayBox.append(
      dayTiles(days, (day) => this.slotsOf(day).length, format, {
        name: `day-${this.id}`,
        idPrefix: `day-${this.id}-`,
        checkedDay: this.day,
        isOpen: (day) => openings[day],
      }),
    );
    if (!this.day || !this.slotsOf(this.day).length) {
      this.day = firstDayWithSlots(days, (day) => this.slotsOf(day).length);
      if (this.day) document.getElementById(`day-${this.id}-${this.day}`).checked = true;
    }
    this.renderSlots();
  }

  slotsOf(day) {
    return slotsToOffer(this.daySlots, day, { anyTherapist: this.who() === "any" });
  }

  renderSlots() {
    const { format } = this;
    const box = this.part("slots");
    box.textContent = "";
    if (!this.day) {
      this.part("slots-legend").textContent = "Free times";
      box.append(el("p", { class: "hint" }, "No free times in these days. Try later days."));
      return;
    }
    this.part("slots-legend").textContent = `Free times on ${format.longDay(this.day)}`;
    box.append(
      slotGroups(this.slotsOf(this.day), format, {
        name: `slot-${this.id}`,
        idPrefix: `slot-${this.id}-`,
        isChecked: (slot) => sameStart(slot, this.slot),
      }),
    );
  }

  onChange(event) {
    const input = event.target;
    if (input.name === "who") {
      this.day = null;
      this.slot = null;
      this.loadAvailability();
    } else if (input.name === `day-${this.id}`) {
      this.day = input.value;
      this.slot = null;
      this.renderSlots();
      announce(`${this.slotsOf(this.day).length} free times on ${this.format.longDay(this.day)}.`);
    } else if (input.name === `slot-${this.id}`) {
      this.slot = this.slotsOf(this.day)[Number(input.value)];
      this.setError("");
    }
  }

  async reschedule() {
    if (!this.slot) {
      this.setError("Please choose a new time first.");
      return;
    }
    const submit = this.panels.reschedule.querySelector('button[type="submit"]');
    submit.disabled = true;
    const body = { start: this.slot.start };
    if (this.slot.therapist !== this.therapistId) body.therapist = this.slot.therapist;
    const answer = await api.post(`appointments/${this.id}/reschedule/`, body);
    submit.disabled = false;
    if (answer.ok) {
      const moved = answer.data;
      const when = this.format.when(moved.start);
      flashThenReload(`Your ${moved.massage_type.name} is moved to ${when} with ${moved.therapist.display_name}.`);
      return;
    }
    if (isSlotGone(answer)) {
      this.slot = null;
      await this.loadAvailability();
      this.setError("Sorry, that time was just taken by someone else. The free times below are up to date: please choose another.");
      return;
    }
    this.setError(answer.error.message);
  }
}

// Only cards the clinic's policy still lets the patient change have buttons (the page decides, from the server).
for (const card of document.querySelectorAll('[data-appointment][data-can-change="true"]')) new AppointmentCard(card);
showFlash();
document.getElementById("appointments-page").dataset.ready = "true";
