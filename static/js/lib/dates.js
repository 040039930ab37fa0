// Clinic dates and instants: calendar arithmetic on ISO dates, and display in the clinic's time zone.

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

/** Return the first day of the window `direction` pages away, never before today. */
export function shiftWindow(windowStart, direction, { today, days }) {
  const start = addDays(windowStart, direction * days);
  return start < today ? today : start;
}

/** Tell which way the day window may page: no earlier than today, no later than the booking horizon. */
export function windowPaging(windowStart, { today, days, horizonDays }) {
  return {
    earlier: windowStart > today,
    later: addDays(windowStart, days) <= addDays(today, horizonDays),
  };
}

/**
 * Build formatters that show instants and clinic dates in the clinic's time zone, in the style
 * the server writes (clinic/dates.py): "Wednesday, March 4, 2026", "Wed, Mar 4", "10:00 AM",
 * "Wednesday, March 4, 2026 at 10:00 AM", "Wed, Mar 4, 10:00 AM" and "10:00–11:00 AM".
 */
export function clinicFormat(timeZone) {
  // Built from parts, so every engine writes the same text (some put a narrow no-break space before "AM").
  const clockParts = new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", minute: "2-digit", hourCycle: "h12" });
  const longParts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long", month: "long", day: "numeric", year: "numeric" });
  const shortParts = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", month: "short", day: "numeric" });
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
  const dateLong = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "long", month: "long", day: "numeric", year: "numeric" });
  const dateShort = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short", month: "short", day: "numeric" });
  const weekdayOnly = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", weekday: "short" });
  const monthDay = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });
  const asUtcDate = (isoDate) => new Date(`${isoDate}T12:00:00Z`);
  const clockOf = (iso) => {
    const part = Object.fromEntries(clockParts.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    return { hoursMinutes: `${part.hour}:${part.minute}`, meridiem: part.dayPeriod.toUpperCase() };
  };
  const longDay = (formatter, date) => {
    const part = Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
    return `${part.weekday}, ${part.month} ${part.day}, ${part.year}`;
  };
  const shortDay = (formatter, date) => {
    const part = Object.fromEntries(formatter.formatToParts(date).map((p) => [p.type, p.value]));
    return `${part.weekday}, ${part.month} ${part.day}`;
  };
  const time = (iso) => {
    const { hoursMinutes, meridiem } = clockOf(iso);
    return `${hoursMinutes} ${meridiem}`;
  };
  return {
    timeZone,
    time,
    longDate: (iso) => longDay(longParts, new Date(iso)),
    when: (iso) => `${longDay(longParts, new Date(iso))} at ${time(iso)}`,
    shortWhen: (iso) => `${shortDay(shortParts, new Date(iso))}, ${time(iso)}`,
    span: (startIso, endIso) => {
      const first = clockOf(startIso);
      const last = clockOf(endIso);
      const start = first.meridiem === last.meridiem ? first.hoursMinutes : `${first.hoursMinutes} ${first.meridiem}`;
      return `${start}\u2013${last.hoursMinutes} ${last.meridiem}`;
    },
    dayOf: (iso) => dayKey.format(new Date(iso)),
    shortDay: (isoDate) => shortDay(dateShort, asUtcDate(isoDate)),
    weekday: (isoDate) => weekdayOnly.format(asUtcDate(isoDate)),
    monthDay: (isoDate) => monthDay.format(asUtcDate(isoDate)),
    hourOf: (iso) => Number(hour.format(new Date(iso))),
    genericZone: () => genericZone,
    longDay: (isoDate) => longDay(dateLong, asUtcDate(isoDate)),
    zoneName: (iso) => {
      const part = zoneName.formatToParts(new Date(iso)).find((p) => p.type === "timeZoneName");
      return part ? `${part.value} (${timeZone})` : timeZone;
    },
  };
}

/** Return `format` if it already shows `timeZone` (or none is given), else formatters for that zone. */
export function formatForZone(format, timeZone) {
  return timeZone && timeZone !== format.timeZone ? clinicFormat(timeZone) : format;
}
