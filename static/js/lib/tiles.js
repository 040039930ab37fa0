// The day and time pickers: radio tiles for the days of a window and a day's free times.

import { el, radioOption } from "./dom.js";
import { partsOfDay } from "./slots.js";

/** Render a day's free times as radio tiles grouped into morning, afternoon and evening. */
export function slotGroups(slots, format, { name, idPrefix, isChecked }) {
  const fragment = globalThis.document.createDocumentFragment();
  for (const [part, entries] of partsOfDay(slots, format)) {
    const group = el("div", { class: "slot-group", role: "group", "aria-label": part });
    group.append(el("p", { class: "slot-group__title", "aria-hidden": "true" }, part));
    const grid = el("div", { class: "slot-grid" });
    for (const { slot, index } of entries) {
      grid.append(
        radioOption({
          name,
          id: `${idPrefix}${index}`,
          value: String(index),
          title: format.time(slot.start),
          checked: isChecked(slot),
          className: "slot",
        }),
      );
    }
    group.append(grid);
    fragment.append(group);
  }
  return fragment;
}

const WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Return the weekday headers of the day grid, Monday first. */
export function weekdayNames() {
  return [...WEEKDAY_NAMES];
}

/** Return an ISO date's column in a Monday-first week: 1 (Monday) to 7 (Sunday). */
export function weekdayColumn(isoDate) {
  const [year, month, day] = isoDate.split("-").map(Number);
  return ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;
}

/** Return what a day tile says: free times, "Full" (worked but taken) or "Closed" (nobody works). */
export function dayStatus(count, open) {
  if (count > 0) return { state: "free", detail: `${count} free` };
  // An answer without `days` (open undefined) cannot tell closed from full: say the lesser claim.
  return open === false ? { state: "closed", detail: "Closed" } : { state: "full", detail: "Full" };
}

/** Return {YYYY-MM-DD: open} from the availability answer's `days`, or {} when it has none. */
export function openingsByDay(days) {
  return Object.fromEntries((days || []).map((day) => [day.date, Boolean(day.open)]));
}

/**
 * Render one radio tile per day of the window: weekday, date and how many times are free.
 * Each tile sits in its weekday's column of a seven-column grid (day--col-1 is Monday).
 */
export function dayTiles(days, counts, format, { name, idPrefix, checkedDay, isOpen = () => undefined }) {
  const fragment = globalThis.document.createDocumentFragment();
  for (const day of days) {
    const count = counts(day);
    const status = dayStatus(count, isOpen(day));
    const tile = radioOption({
      name,
      id: `${idPrefix}${day}`,
      value: day,
      title: format.weekday(day),
      subtitle: format.monthDay(day),
      detail: status.detail,
      checked: day === checkedDay && count > 0,
      disabled: count === 0,
      className: "day",
    });
    const extra = [`day--col-${weekdayColumn(day)}`, status.state === "closed" ? "day--closed" : ""];
    tile.setAttribute("class", [tile.getAttribute("class"), ...extra].filter(Boolean).join(" "));
    fragment.append(tile);
  }
  return fragment;
}
