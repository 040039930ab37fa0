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

/** Render one radio tile per day of the window: weekday, date and how many times are free. */
export function dayTiles(days, counts, format, { name, idPrefix, checkedDay }) {
  const fragment = globalThis.document.createDocumentFragment();
  for (const day of days) {
    const count = counts(day);
    fragment.append(
      radioOption({
        name,
        id: `${idPrefix}${day}`,
        value: day,
        title: format.weekday(day),
        subtitle: format.monthDay(day),
        detail: count ? `${count} free` : "Full",
        checked: day === checkedDay && count > 0,
        disabled: count === 0,
        className: "day",
      }),
    );
  }
  return fragment;
}
