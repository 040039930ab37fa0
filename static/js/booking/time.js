// Step 3: pick a day of the two-week window, then a free time on it.

import { dateRange, formatForZone, shiftWindow, windowPaging } from "../lib/dates.js";
import { $, el } from "../lib/dom.js";
import { locationParam } from "../lib/locations.js";
import { firstDayWithSlots, sameStart, slotsByDay } from "../lib/slots.js";
import { dayTiles, openingsByDay, slotGroups } from "../lib/tiles.js";
import { saveProgress } from "./progress.js";
import { anyTherapist, slotsOfDay } from "./state.js";
import { hideAfter, showError } from "./steps.js";

/** Fetch the free times of the window and render its days, choosing the first free day if needed. */
export async function loadAvailability(page) {
  const { config, store } = page;
  const asked = store.get();
  const days = dateRange(asked.windowStart, config.days);
  $("days-range").textContent = `${asked.format.shortDay(days[0])} to ${asked.format.shortDay(days[days.length - 1])}`;
  const paging = windowPaging(asked.windowStart, config);
  $("days-earlier").disabled = !paging.earlier;
  $("days-later").disabled = !paging.later;
  const dayBox = $("day-options");
  dayBox.textContent = "";
  dayBox.append(el("p", { class: "loading" }, "Looking for free times…"));
  dayBox.setAttribute("aria-busy", "true");
  const answer = await page.api.get("availability/", {
    massage_type: asked.typeId,
    date_from: days[0],
    date_to: days[days.length - 1],
    therapist: anyTherapist(asked) ? "" : asked.therapistId,
    location: locationParam(asked.locations, asked.locationId),
  });
  dayBox.removeAttribute("aria-busy");
  dayBox.textContent = "";
  if (!answer.ok) {
    showError("time-error", answer.error.message);
    return;
  }
  showError("time-error", "");
  const format = formatForZone(store.get().format, answer.data.time_zone);
  const slots = answer.data.slots || [];
  let state = store.set({ format, daySlots: slotsByDay(slots, format) });
  for (const name of document.querySelectorAll(".zone-name")) name.textContent = format.genericZone();
  const openings = openingsByDay(answer.data.days);
  dayBox.append(
    dayTiles(days, (day) => slotsOfDay(state, day).length, format, {
      name: "day",
      idPrefix: "day-",
      checkedDay: state.day,
      isOpen: (day) => openings[day],
    }),
  );
  if (!state.day || !state.daySlots[state.day]) {
    state = store.set({ day: firstDayWithSlots(days, (day) => (state.daySlots[day] || []).length) });
    const input = state.day && $(`day-${state.day}`);
    if (input) input.checked = true;
  }
  renderSlots(page);
  if (!slots.length) {
    page.announce("There are no free times in these two weeks. Try later days or another therapist.");
  }
}

/** Render the chosen day's free times, grouped by part of the day. */
export function renderSlots(page) {
  const state = page.store.get();
  const box = $("slot-options");
  box.textContent = "";
  if (!state.day) {
    $("slots-legend").textContent = "Free times";
    box.append(el("p", { class: "hint" }, "No free times in these days. Try later days or another therapist."));
    return;
  }
  $("slots-legend").textContent = `Free times on ${state.format.longDay(state.day)}`;
  box.append(
    slotGroups(slotsOfDay(state, state.day), state.format, {
      name: "slot",
      idPrefix: "slot-",
      isChecked: (slot) => sameStart(slot, state.slot),
    }),
  );
}

/** Take a new day: show its times and say how many there are. */
export function chooseDay(page, day) {
  const state = page.store.set({ day, slot: null });
  renderSlots(page);
  hideAfter("time");
  page.announce(`${slotsOfDay(state, day).length} free times on ${state.format.longDay(day)}.`);
}

/** Take the free time at this index of the chosen day's list. */
export function chooseSlot(page, index) {
  const state = page.store.get();
  page.store.set({ slot: slotsOfDay(state, state.day)[index] });
  showError("time-error", "");
}

/** Move the window a page of days earlier (-1) or later (1). */
export async function turnPage(page, direction) {
  const { config, store } = page;
  store.set({ windowStart: shiftWindow(store.get().windowStart, direction, config), day: null, slot: null });
  hideAfter("time");
  await loadAvailability(page);
  saveProgress(page);
}
