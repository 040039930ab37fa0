// Days and free times: date arithmetic on clinic dates and display in the clinic's time zone.

/** Return the ISO date (YYYY-MM-DD) `days` after the given ISO date. */
export function addDays(isoDate, days) {
  const [year, month, day] = isoDate.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day + days));
  return date.toISOString().slice(0, 10);
}

/** Return the list of ISO dates from `first`, `count` long. */
export function dateRange(first, count) {
  return Array.from({ length: count }, (_, index) => addDays(first, index));
}

/** Build formatters that show instants and clinic dates in the clinic's time zone. */
export function clinicFormat(timeZone) {
  const time = new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", minute: "2-digit" });
  const longDate = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long", month: "long", day: "numeric" });
  const dayKey = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  const zoneName = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "long" });
  const hour = new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", hourCycle: "h23" });
  let genericZone = timeZone;
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longGeneric" }).formatToParts(new Date());
    genericZone = `${parts.find((p) => p.type === "timeZoneName").value} (${timeZone})`;
  } catch {
    // Older engines lack "longGeneric": the IANA name alone is still right.
  }
  // Clinic dates are calendar dates: show them as such, whatever the browser's zone.
  const dateOnly = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", month: "short", day: "numeric" });
  const weekdayOnly = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short" });
  const monthDay = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });
  const dateOnlyLong = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "long", month: "long", day: "numeric" });
  const asUtcDate = (isoDate) => new Date(`${isoDate}T12:00:00Z`);
  return {
    time: (iso) => time.format(new Date(iso)),
    longDate: (iso) => longDate.format(new Date(iso)),
    when: (iso) => `${longDate.format(new Date(iso))} at ${time.format(new Date(iso))}`,
    dayOf: (iso) => dayKey.format(new Date(iso)),
    shortDay: (isoDate) => dateOnly.format(asUtcDate(isoDate)),
    weekday: (isoDate) => weekdayOnly.format(asUtcDate(isoDate)),
    monthDay: (isoDate) => monthDay.format(asUtcDate(isoDate)),
    hourOf: (iso) => Number(hour.format(new Date(iso))),
    genericZone: () => genericZone,
    longDay: (isoDate) => dateOnlyLong.format(asUtcDate(isoDate)),
    zoneName: (iso) => {
      const part = zoneName.formatToParts(new Date(iso)).find((p) => p.type === "timeZoneName");
      return part ? `${part.value} (${timeZone})` : timeZone;
    },
  };
}

/** Group slots by clinic day: {YYYY-MM-DD: [slot, ...]}, keeping the API's order. */
export function slotsByDay(slots, format) {
  const days = {};
  for (const slot of slots) {
    const key = format.dayOf(slot.start);
    (days[key] = days[key] || []).push(slot);
  }
  return days;
}

/** Keep one slot per start time (the first therapist free then), for "any therapist". */
export function distinctStarts(slots) {
  const seen = new Set();
  return slots.filter((slot) => {
    const key = new Date(slot.start).getTime();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Return up to `count` slots nearest in time to the `target` slot (itself left out), sorted by start. */
export function nearestSlots(slots, target, count) {
  const wanted = new Date(target.start).getTime();
  // Another therapist free at the very same time is the best alternative of all.
  return [...slots]
    .filter((slot) => !(new Date(slot.start).getTime() === wanted && slot.therapist === target.therapist))
    .sort((a, b) => Math.abs(new Date(a.start) - wanted) - Math.abs(new Date(b.start) - wanted))
    .slice(0, count)
    .sort((a, b) => new Date(a.start) - new Date(b.start));
}

/** Create an element with attributes and children (text or nodes), without innerHTML. */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Render a radio option: <div class="option"><input><label>title<span>detail</span></label></div>. */
export function radioOption({ name, id, value, title, subtitle, detail, checked = false, disabled = false, className = "option" }) {
  const input = el("input", { type: "radio", name, id, value, checked, disabled });
  const label = el(
    "label",
    { for: id },
    el("span", { class: `${className}__title` }, title),
    subtitle ? el("span", { class: `${className}__subtitle` }, subtitle) : null,
    detail ? el("span", { class: `${className}__detail` }, detail) : null,
  );
  return el("div", { class: className + (disabled ? ` ${className}--disabled` : "") }, input, label);
}

const PARTS_OF_DAY = [
  ["Morning", 0, 12],
  ["Afternoon", 12, 17],
  ["Evening", 17, 24],
];

/** Split a day's slots into morning, afternoon and evening: [[name, [{slot, index}]], ...], empty parts left out. */
export function partsOfDay(slots, format) {
  return PARTS_OF_DAY.map(([name, from, to]) => [
    name,
    slots.map((slot, index) => ({ slot, index })).filter(({ slot }) => {
      const hour = format.hourOf(slot.start);
      return hour >= from && hour < to;
    }),
  ]).filter(([, items]) => items.length);
}

/** Render a day's free times as radio tiles grouped into morning, afternoon and evening. */
export function slotGroups(slots, format, { name, idPrefix, isChecked }) {
  const fragment = document.createDocumentFragment();
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
  const fragment = document.createDocumentFragment();
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
